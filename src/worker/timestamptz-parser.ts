import { types } from "pg";

/**
 * A faster parser for `timestamptz` values, installed in the runner's own
 * processes only (never by the bulk functions a library user calls). Every
 * loaded row of an entity with an @UpdateDateColumn carries one, and so does
 * every row the UPDATE returns; node-pg's parser (postgres-date) spends two
 * regular expressions and a split on each. This one reads the common shape
 * PostgreSQL sends, `2024-05-06 07:08:09.123456+00` (offsets `+HH` or
 * `+HH:MM`, years 100–9999), digit by digit, and hands every other text
 * (BC, infinity, second offsets, small years) to node-pg's parser, so the Date
 * it returns is always the one node-pg would return
 * (test/worker/timestamptz-parser.test.ts compares them).
 */
const TIMESTAMPTZ_OID = 1184;

let installed = false;

export function installTimestamptzParser(): void {
  if (installed) return;
  installed = true;
  const fallback = types.getTypeParser(TIMESTAMPTZ_OID, "text") as (text: string) => unknown;
  // The same text as the last value (every row an UPDATE returns has the transaction's
  // CURRENT_TIMESTAMP; a chunk's rows were mostly written by one statement) is not parsed again.
  let lastText = "";
  let lastTime = 0;
  types.setTypeParser(TIMESTAMPTZ_OID, (text: string) => {
    if (text === lastText) return new Date(lastTime);
    const date = parseTimestamptz(text);
    if (!date) return fallback(text);
    lastText = text;
    lastTime = date.getTime();
    return date;
  });
}

/** The Date for the common shape, or undefined when node-pg's parser must decide. */
export function parseTimestamptz(text: string): Date | undefined {
  // YYYY-MM-DD HH:MM:SS
  if (text.length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    const start = ++i;
    let fraction = 0;
    for (let code = text.charCodeAt(i); i - start < 9 && code >= 48 && code <= 57; code = text.charCodeAt(++i)) fraction = fraction * 10 + (code - 48);
    if (i === start || isDigit(text.charCodeAt(i))) return undefined;
    // postgres-date computes 1000 × parseFloat(".ddd") (Date.UTC then truncates). fraction / 10^n is
    // that same double: both are the correctly rounded value of one decimal number.
    ms = 1000 * (fraction / POWERS_OF_TEN[i - start]);
  }
  const sign = text.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return undefined;
  const rest = text.length - i - 1;
  let offsetMinutes: number;
  if (rest === 2) {
    offsetMinutes = digits(text, i + 1, 2) * 60;
  } else if (rest === 5 && text.charCodeAt(i + 3) === 58) {
    const hh = digits(text, i + 1, 2);
    const mm = digits(text, i + 4, 2);
    offsetMinutes = hh < 0 || mm < 0 ? -1 : hh * 60 + mm;
  } else {
    return undefined;
  }
  if (offsetMinutes < 0) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(utc - (sign === 45 ? -1 : 1) * offsetMinutes * 60_000);
}

const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The number written by `length` digits at `start`, or -1. */
function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}
