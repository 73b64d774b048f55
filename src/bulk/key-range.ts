import type { EntityMetadata } from "typeorm";
import { codecFor, type ColumnCodec } from "./column-codec";
import { BulkWriteError } from "./errors";

/**
 * A chunk's inclusive primary-key range, in the key's row order.
 *
 * A one-column key is bounded with `BETWEEN`; a composite key (`(tenantId, id)`)
 * with row comparisons on the whole key, `(t.a, t.b) >= ($1, $2) AND (t.a, t.b) <= ($3, $4)`,
 * which PostgreSQL answers from the key's btree index, in the order the plan's
 * `ORDER BY a, b` uses.
 *
 * How the ledger keeps a bound (`data_script_chunks.lo/hi`, text): a one-column
 * key's value as `::text` gives it (unchanged from before composite keys were
 * chunked); a composite key's as a JSON array of each key column's `::text`, in
 * the entity's primary-column order, e.g. `["3","1042"]`. Either way the value
 * is cast back to the column's type in SQL, so nothing depends on JavaScript's
 * idea of the key.
 */
export interface KeyBounds {
  /** One-column key: the value; composite key: the values in primary-column order. */
  lo: unknown;
  hi: unknown;
}

export class KeyRange implements KeyBounds {
  private constructor(
    readonly keys: ColumnCodec[],
    readonly lo: unknown,
    readonly hi: unknown,
  ) {}

  /** The range of a chunk as the ledger stores it (see above for the encoding). */
  static fromLedger(metadata: EntityMetadata, range: { lo: string; hi: string }): KeyRange {
    const keys = metadata.primaryColumns.map(codecFor);
    if (keys.length === 1) return new KeyRange(keys, range.lo, range.hi);
    return new KeyRange(keys, decodeBound(keys.length, range.lo), decodeBound(keys.length, range.hi));
  }

  /** The range of given bounds (scalars for a one-column key, arrays in primary-column order for a composite one). */
  static of(metadata: EntityMetadata, bounds: KeyBounds): KeyRange {
    const keys = metadata.primaryColumns.map(codecFor);
    if (keys.length > 1) for (const bound of [bounds.lo, bounds.hi]) checkParts(keys.length, bound);
    return new KeyRange(keys, bounds.lo, bounds.hi);
  }

  /** The bounds' bind values in the order keyRangeSql numbers them: lo's parts, then hi's. */
  values(): unknown[] {
    return boundValues(this.keys.length, this);
  }

  /**
   * The condition bounding `alias`'s key to this range, for any statement
   * (SELECT, UPDATE, DELETE): its bounds are appended to `params` and read as
   * the next `$n`, so the text depends only on how many parameters came before.
   */
  sqlCondition(alias: string, params: unknown[]): string {
    const first = params.length + 1;
    params.push(...this.values());
    return keyRangeSql(
      this.keys.map((k) => `${alias}.${k.name}`),
      this.keys.map(elementType),
      (i, type) => `$${first + i}::${type}`,
    );
  }
}

/** The bind values of bounds for a key of `columns` columns: lo's parts, then hi's. */
export function boundValues(columns: number, bounds: KeyBounds): unknown[] {
  if (columns === 1) return [bounds.lo, bounds.hi];
  return [...checkParts(columns, bounds.lo), ...checkParts(columns, bounds.hi)];
}

/**
 * Pure SQL: `columns` (SQL expressions, the key's in primary-column order)
 * bounded inclusively; `bound(i, type)` writes the i-th bound value (the lo
 * bound's parts are 0…n-1, the hi bound's n…2n-1), cast to the column's type.
 */
export function keyRangeSql(columns: string[], types: string[], bound: (i: number, type: string) => string): string {
  if (columns.length === 1) return `${columns[0]} BETWEEN ${bound(0, types[0])} AND ${bound(1, types[0])}`;
  const key = `(${columns.join(", ")})`;
  const row = (offset: number) => `(${types.map((type, i) => bound(offset + i, type)).join(", ")})`;
  return `${key} >= ${row(0)} AND ${key} <= ${row(columns.length)}`;
}

/** A bound as the ledger stores it, from each key column's text (one column: the text itself). */
export function encodeBound(parts: string[]): string {
  return parts.length === 1 ? parts[0] : JSON.stringify(parts);
}

/** The element type of a key column's bind parameter (its array type without `[]`). */
export function elementType(codec: ColumnCodec): string {
  return codec.paramType.slice(0, -2);
}

function decodeBound(columns: number, text: string): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(text);
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || parts.length !== columns || parts.some((p) => typeof p !== "string")) {
    throw new Error(`a chunk bound of a ${columns}-column key must be a JSON array of ${columns} strings; the ledger holds ${JSON.stringify(text)}`);
  }
  return parts as string[];
}

function checkParts(columns: number, bound: unknown): unknown[] {
  if (!Array.isArray(bound) || bound.length !== columns) {
    throw new BulkWriteError(`a key range over a ${columns}-column key needs each bound as an array of ${columns} values, got ${JSON.stringify(bound)}`);
  }
  return bound;
}
