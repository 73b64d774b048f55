/**
 * The first key an object of this JSON text gives twice, or undefined. JSON.parse keeps the
 * last of two equal keys and drops the other without a word; a JSON line must not lose a value
 * that way. `parsed` is what JSON.parse made of `text` (valid JSON, then). The common line — as
 * JSON.stringify writes it: no escapes, no space before a colon — has a key wherever `":` occurs,
 * so as many `":` as the parsed value has keys means none was dropped (a few native indexOf
 * passes, a third of JSON.parse's time). Any other line is walked, tracking each open object's
 * keys. (json-dup-key-validator is a whole second parser, unmaintained.)
 */
export function duplicateKey(text: string, parsed: unknown): string | undefined {
  if (parsed === null || typeof parsed !== "object") return undefined;
  if (!NOT_PLAIN.test(text) && occurrences(text, '":') === keysIn(parsed)) return undefined;
  return firstDuplicate(text);
}

/** An escape, or a space after a quote (perhaps before a colon): the line is walked instead. */
const NOT_PLAIN = /\\|"\s/;

function occurrences(text: string, what: string): number {
  let n = 0;
  for (let at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + what.length)) n++;
  return n;
}

function keysIn(value: object): number {
  let n = 0;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === "object") n += keysIn(v);
    return n;
  }
  for (const key in value) {
    n++;
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && typeof v === "object") n += keysIn(v);
  }
  return n;
}

function firstDuplicate(text: string): string | undefined {
  if (text.indexOf("{") < 0) return undefined;
  // One entry per open object (its keys) or array (null).
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      let escaped = false;
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end);
        if (d === 0x5c /* \ */) {
          escaped = true;
          end++;
        } else if (d === 0x22) break;
      }
      const keys = open[open.length - 1];
      if (keyNext && keys) {
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      keyNext = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      keyNext = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      keyNext = false;
    } else if (c === 0x2c /* , */) {
      keyNext = open[open.length - 1] != null;
    }
  }
  return undefined;
}
