import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { hasOrderedKey } from "./rows";
import { readerFor } from "./column-value";

/** An inclusive range of a one-column primary key, bounding a statement's scan. */
export interface KeyRange {
  lo: unknown;
  hi: unknown;
}

/**
 * The range a chunk's statement is bounded by: the chunk's own (given), else, for key types whose
 * order JavaScript shares (hasOrderedKey), the span of the rows' keys; undefined for composite keys
 * or keys JavaScript cannot order. Without it PostgreSQL seq-scans the table once a chunk is ~1% of it.
 */
export function boundingRange(metadata: EntityMetadata, rows: ObjectLiteral[], given: KeyRange | undefined): KeyRange | undefined {
  if (metadata.primaryColumns.length !== 1) return undefined;
  if (given) return given;
  if (!hasOrderedKey(metadata)) return undefined;
  const read = readerFor(metadata.primaryColumns[0]);
  const values = rows.map((r) => read(r) as number | string);
  const isInteger = typeof values[0] === "number" || /^-?\d+$/.test(String(values[0]));
  const rank = (v: number | string) => (isInteger ? BigInt(v) : String(v).toLowerCase());
  let lo = values[0];
  let hi = values[0];
  for (const v of values) {
    if (rank(v) < rank(lo)) lo = v;
    if (rank(v) > rank(hi)) hi = v;
  }
  return { lo, hi };
}

/** `t.key BETWEEN $n::type AND $n+1::type`, the bounds' positions after `taken` parameters. */
export function rangeCondition(keyName: string, paramType: string, taken: number): string {
  const type = paramType.slice(0, -2);
  return `t.${keyName} BETWEEN $${taken + 1}::${type} AND $${taken + 2}::${type}`;
}
