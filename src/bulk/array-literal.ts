import { defaults } from "pg";
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
    out += literalElement(values[i]);
  }
  return out + "}";
}

/** One element of an array literal, as arrayLiteral writes it. */
export function literalElement(item: unknown): string {
  if (item == null) return "NULL";
  if (typeof item === "string") return quotedText(item);
  if (typeof item === "number" || typeof item === "boolean" || typeof item === "bigint") return `"${item}"`;
  if (Array.isArray(item)) return arrayLiteral(item);
  if (ArrayBuffer.isView(item)) return "\\\\x" + Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString("hex");
  if (item instanceof Date && !defaults.parseInputDatesAsUTC && item.getTime() === item.getTime()) return `"${dateText(item)}"`;
  return quotedText(String(prepareValue(item)));
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));

/**
 * node-pg's dateToString (a valid Date in local time, with its offset; years
 * before 1 as BC) without a padStart per field: timestamps written back (an
 * upserted row's dates, a script's) go through here, one per row.
 */
function dateText(date: Date): string {
  let offset = -date.getTimezoneOffset();
  let year = date.getFullYear();
  const bc = year < 1;
  if (bc) year = Math.abs(year) + 1;
  const ms = date.getMilliseconds();
  let text =
    (year >= 1000 ? String(year) : String(year).padStart(4, "0")) +
    "-" +
    TWO_DIGITS[date.getMonth() + 1] +
    "-" +
    TWO_DIGITS[date.getDate()] +
    "T" +
    TWO_DIGITS[date.getHours()] +
    ":" +
    TWO_DIGITS[date.getMinutes()] +
    ":" +
    TWO_DIGITS[date.getSeconds()] +
    "." +
    (ms >= 100 ? String(ms) : ms >= 10 ? `0${ms}` : `00${ms}`);
  if (offset < 0) {
    text += "-";
    offset = -offset;
  } else {
    text += "+";
  }
  text += String(Math.floor(offset / 60)).padStart(2, "0") + ":" + TWO_DIGITS[offset % 60];
  return bc ? `${text} BC` : text;
}

const NEEDS_ESCAPE = /["\\]/;

function isPlainScalar(item: unknown): boolean {
  const type = typeof item;
  return type === "number" || type === "boolean" || type === "bigint" || (type === "string" && !NEEDS_ESCAPE.test(item as string));
}

/** A string element: double-quoted, its quotes and backslashes escaped. */
export function quotedText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : `"${text}"`;
}
