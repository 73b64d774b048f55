import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { prepareValue } from "pg/lib/utils";
import { codecFor, quotedTable } from "../bulk/column-codec";
import { failedStatement } from "../bulk/statement-error";

/**
 * PostgreSQL rejects a bulk statement as a whole and does not say which of its
 * rows was at fault ("value too long for type character varying(10)"). When a
 * chunk fails with a data error (SQLSTATE class 22 or 23) raised by the chunk's
 * own bulk statement, this finds the first row and column that explain it, from
 * the error's own hints (the column, `Key (…)=(…)`, the quoted value) and
 * otherwise from the column metadata (length, NUL bytes, integer ranges).
 */

/** One row of the chunk's bulk statement, with how to name it in a message. */
export interface ChunkRowRef {
  entity: ObjectLiteral;
  /** e.g. `Gadget row 137`, `input #37 of chunk 2 (Gadget 1137)` */
  label: string;
}

/**
 * A chunk's row whose label is built only when it is read, i.e. when the database refuses a row.
 * A class, so the getter is on the prototype: an object literal with a getter is a new closure and
 * shape per row, and building every label up front is a string per row of every chunk.
 */
export class LazyRowRef implements ChunkRowRef {
  constructor(
    readonly entity: ObjectLiteral,
    /** The row's place in the chunk's list the labeller reads. */
    readonly index: number,
    private readonly labelOf: (index: number) => string,
  ) {}

  get label(): string {
    return this.labelOf(this.index);
  }
}

const ROWS = Symbol("data-script chunk rows");

/** Remembers, on an error thrown by a bulk write, which rows that write was given. Returns the error. */
export function withRows<E>(error: E, rows: ChunkRowRef[]): E {
  if (error && typeof error === "object" && !(ROWS in error)) {
    Object.defineProperty(error, ROWS, { value: rows, enumerable: false });
  }
  return error;
}

interface PgError {
  message: string;
  code?: string;
  column?: string;
  detail?: string;
  query?: string;
}

/** A clearer error for a data error of the chunk's bulk statement; undefined when there is nothing to add. */
export function explainDataError(error: unknown, metadata: EntityMetadata, chunkNo: number): Error | undefined {
  const err = error as PgError & { [ROWS]?: ChunkRowRef[] };
  const rows = err?.[ROWS];
  if (!rows || !/^2[23]/.test(err.code ?? "")) return undefined;
  const message = err.message.split("\n")[0];
  if (failedStatement(error)?.table !== quotedTable(metadata)) {
    // Another statement in the chunk's transaction: a subscriber's or listener's own query (an audit row, say).
    const query = err.query ? ` (${err.query.replace(/\s+/g, " ").slice(0, 80)}${err.query.length > 80 ? "…" : ""})` : "";
    const detail = err.detail ? ` (${err.detail})` : "";
    return named(
      `${message}${detail}, raised by a subscriber's or listener's query in chunk ${chunkNo}'s transaction${query}; nothing of chunk ${chunkNo} was written`,
      error,
    );
  }
  const culprit = findCulprit(err, metadata, rows);
  const rolledBack = `nothing of chunk ${chunkNo} was written`;
  if (!culprit) {
    const hint = err.detail ? ` (${err.detail})` : "";
    return named(`${message}${hint}, in one of the ${rows.length} row(s) of chunk ${chunkNo}; ${rolledBack}`, error);
  }
  const { row, column, reason } = culprit;
  return named(`${row.label}, column ${column.propertyPath}: ${message}${reason ? ` (${reason})` : ""}; ${rolledBack}`, error);
}

/**
 * The row of the chunk's own bulk statement that a data error names (or its metadata explains),
 * or undefined: the error came from another statement, or nothing in it points at one row.
 */
export function refusedRow(error: unknown, metadata: EntityMetadata): ChunkRowRef | undefined {
  const err = error as PgError & { [ROWS]?: ChunkRowRef[] };
  const rows = err?.[ROWS];
  if (!rows || !/^2[23]/.test(err.code ?? "") || failedStatement(error)?.table !== quotedTable(metadata)) return undefined;
  return findCulprit(err, metadata, rows)?.row;
}

function named(message: string, cause: unknown): Error {
  const error = new Error(message, { cause });
  error.name = "DataError";
  Object.assign(error, { code: (cause as PgError).code });
  return error;
}

interface Culprit {
  row: ChunkRowRef;
  column: ColumnMetadata;
  /** What PostgreSQL's message does not already say. */
  reason?: string;
}

function findCulprit(err: PgError, metadata: EntityMetadata, rows: ChunkRowRef[]): Culprit | undefined {
  const columns = metadata.columns.filter((c) => !c.isVirtual);
  // 23502 not_null_violation names the column.
  if (err.code === "23502" && err.column) {
    const column = columns.find((c) => c.databaseName === err.column);
    const row = column && rows.find((r) => valueOf(column, r.entity) == null);
    if (column && row) return { row, column };
  }
  // 23505 unique_violation, 23503 foreign_key_violation: `Key (code)=(CODE-7) already exists.`
  const key = /^Key \((.+)\)=\((.*)\)/s.exec(err.detail ?? "");
  if (key && !key[1].includes(",")) {
    const column = columns.find((c) => c.databaseName === key[1].replace(/^"|"$/g, ""));
    const row = column && rows.find((r) => asText(valueOf(column, r.entity)) === key[2]);
    if (column && row) return { row, column, reason: err.detail };
  }
  // A quoted value: `value "2147483648" is out of range for type integer`, `invalid input syntax for type integer: "twelve"`.
  const quoted = quotedValue(err.message);
  if (quoted) {
    const candidates = quoted.type ? columns.filter((c) => sameType(c, quoted.type!)) : [];
    for (const set of [candidates, columns]) {
      for (const row of rows) {
        const column = set.find((c) => asText(valueOf(c, row.entity)) === quoted.value);
        if (column) return { row, column };
      }
    }
  }
  // Otherwise: what PostgreSQL checks on assignment, from the column metadata.
  for (const row of rows) {
    for (const column of columns) {
      const reason = violation(err, column, valueOf(column, row.entity));
      if (reason) return { row, column, reason };
    }
  }
  return undefined;
}

/** The value as the bulk statement sends it (transformers and the driver's conversions applied). */
function valueOf(column: ColumnMetadata, entity: ObjectLiteral): unknown {
  const value = column.getEntityValue(entity);
  if (value === undefined || value === null) return value;
  try {
    return codecFor(column).encode(value);
  } catch {
    return value;
  }
}

/** The text node-pg sends for a scalar value, as PostgreSQL quotes it back in its messages. */
function asText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = prepareValue(value);
  return typeof text === "string" ? text : text == null ? undefined : String(text);
}

function quotedValue(message: string): { value: string; type?: string } | undefined {
  const patterns: [RegExp, number, number?][] = [
    [/^value "(.*)" is out of range for type (.+)$/s, 1, 2],
    [/^invalid input syntax for type (.+?): "(.*)"$/s, 2, 1],
    [/^invalid input value for enum (.+?): "(.*)"$/s, 2, 1],
    [/^(?:date\/time field value out of range|invalid input syntax for type \w+): "(.*)"$/s, 1],
    [/^time zone "(.*)" not recognized$/s, 1],
  ];
  for (const [pattern, valueAt, typeAt] of patterns) {
    const m = pattern.exec(message);
    if (m) return { value: m[valueAt], type: typeAt ? m[typeAt] : undefined };
  }
  return undefined;
}

function sameType(column: ColumnMetadata, type: string): boolean {
  const element = codecFor(column).paramType.replace(/\[\]$/, "");
  const bare = (t: string) => t.replace(/"/g, "").replace(/^public\./, "").toLowerCase();
  return bare(element) === bare(type) || bare(element).endsWith(`.${bare(type)}`);
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** Why PostgreSQL would refuse this value for this column, for the error's class; undefined if it would not. */
function violation(err: PgError, column: ColumnMetadata, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const elements = Array.isArray(value) ? value : [value];
  const texts = elements.filter((e): e is string => typeof e === "string");
  const type = codecFor(column).paramType.replace(/\[\]$/, "");
  switch (err.code) {
    case "22001": {
      // string_data_right_truncation: more characters (code points, not UTF-16 units) than varchar(n) / char(n) hold.
      const length = Number(column.length);
      if (!length || !/char/.test(type) || column.isArray) return undefined;
      const long = texts.find((t) => [...t].length > length);
      return long === undefined ? undefined : `${[...long].length} characters, at most ${length}: ${preview(long)}`;
    }
    case "22021": // character_not_in_repertoire: a NUL byte in text
    case "22P05": {
      // untranslatable_character: \u0000 in jsonb
      const nul = texts.find((t) => t.includes("\u0000") || (/json/.test(type) && t.includes("\\u0000")));
      return nul === undefined ? undefined : `a NUL character (\\u0000) at position ${nul.indexOf("\u0000")}: ${preview(nul)}`;
    }
    case "22003": {
      // numeric_value_out_of_range
      const range = INTEGER_RANGES[type];
      if (range) {
        const bad = elements.find((e) => {
          try {
            const n = BigInt(typeof e === "number" ? Math.trunc(e) : String(e));
            return n < range[0] || n > range[1];
          } catch {
            return false;
          }
        });
        return bad === undefined ? undefined : `${String(bad)} is outside ${type}'s ${range[0]}..${range[1]}`;
      }
      if (type === "numeric" && column.precision) {
        const limit = 10 ** (column.precision - (column.scale ?? 0));
        const bad = elements.find((e) => Math.abs(Number(e)) >= limit);
        return bad === undefined ? undefined : `${String(bad)} needs more than ${column.precision - (column.scale ?? 0)} digits before the point`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function preview(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
  return JSON.stringify(shown);
}
