import { prepareValue } from "pg/lib/utils";

/**
 * The PostgreSQL array literal node-pg would send for `values` (its
 * `arrayString`, pg 8.23, pinned and compared in test/bulk/array-literal.test.ts),
 * built with one scan per string instead of two regex replaces and a
 * prepareValue call per element: the unnest parameters of every chunk go
 * through here, 1,000 elements per column.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  if (!values.length) return "{}";
  // The common case, every element a plain string, number or boolean: one join, no per-element strings.
  if (values.every(isPlainScalar)) return `{"${values.join('","')}"}`;
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const item = values[i];
    if (item == null) out += "NULL";
    else if (typeof item === "string") out += quoted(item);
    else if (typeof item === "number" || typeof item === "boolean" || typeof item === "bigint") out += `"${item}"`;
    else if (Array.isArray(item)) out += arrayLiteral(item);
    else if (ArrayBuffer.isView(item)) out += "\\\\x" + Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString("hex");
    else out += quoted(String(prepareValue(item)));
  }
  return out + "}";
}

const NEEDS_ESCAPE = /["\\]/;

function isPlainScalar(item: unknown): boolean {
  const type = typeof item;
  return type === "number" || type === "boolean" || type === "bigint" || (type === "string" && !NEEDS_ESCAPE.test(item as string));
}

function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : `"${text}"`;
}
