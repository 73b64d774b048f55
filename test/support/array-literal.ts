/**
 * Reads back a one-dimensional PostgreSQL array literal as sent for an unnest
 * parameter (`{"a","b\"c",NULL}`): its elements as text, NULL as null. Tests
 * use it to look at what a statement was given, element by element.
 */
export function parseArrayLiteral(literal: string): (string | null)[] {
  const inner = literal.slice(1, -1);
  if (!inner.length) return [];
  const out: (string | null)[] = [];
  let i = 0;
  while (i <= inner.length) {
    if (inner[i] === '"') {
      let text = "";
      i++;
      while (inner[i] !== '"') {
        if (inner[i] === "\\") i++;
        text += inner[i++];
      }
      out.push(text);
      i += 2; // closing quote and comma
    } else {
      const end = inner.indexOf(",", i) < 0 ? inner.length : inner.indexOf(",", i);
      const raw = inner.slice(i, end);
      out.push(raw === "NULL" ? null : raw);
      i = end + 1;
    }
  }
  return out;
}

/** A logged parameter with its array literal read back into elements; other values unchanged. */
export function readableParam(param: unknown): unknown {
  return typeof param === "string" && param.startsWith("{") && param.endsWith("}") ? parseArrayLiteral(param) : param;
}
