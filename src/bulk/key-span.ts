import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { readerFor } from "./column-value";
import { KeyRange, type KeyBounds } from "./key-range";
import { hasOrderedKey } from "./rows";

/**
 * The key range a removal statement is bounded by: the chunk's own (given; for a composite key its
 * bounds in primary-column order), else, for a one-column key whose order JavaScript shares
 * (hasOrderedKey), the span of the rows' keys; undefined otherwise. Without it PostgreSQL
 * seq-scans the table once a chunk is ~1% of it.
 */
export function boundingRange(metadata: EntityMetadata, rows: ObjectLiteral[], given: KeyBounds | undefined): KeyRange | undefined {
  if (given) return given instanceof KeyRange ? given : KeyRange.of(metadata, given);
  if (!hasOrderedKey(metadata)) return undefined;
  const read = readerFor(metadata.primaryColumns[0]);
  return KeyRange.of(metadata, spanOfKeys(rows.map((r) => read(r) as number | string)));
}

/** Smallest and largest of a chunk's keys (hasOrderedKey() types only: numbers, bigint strings, uuids). */
export function spanOfKeys(values: (number | string)[]): { lo: number | string; hi: number | string } {
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
