/**
 * The first key an object of this JSON text gives twice, or undefined. JSON.parse keeps the
 * last of two equal keys and drops the other without a word; a JSON line must not lose a value
 * that way. Run only on text JSON.parse accepted (so it is valid JSON): one pass over it,
 * tracking each open object's keys. (json-dup-key-validator is a whole second parser, unmaintained.)
 */
export function duplicateKey(text: string): string | undefined {
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
