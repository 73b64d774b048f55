import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { BulkWriteError } from "./errors";
import { describeKey } from "./change-set";
import { readerFor } from "./column-value";

/** Helpers shared by the three bulk writers: metadata lookup, key identity, merging returned values. */

export function metadataOf(manager: EntityManager, entities: ObjectLiteral[]): EntityMetadata {
  const target = entities[0]?.constructor;
  if (!target || target === Object || !manager.connection.hasMetadata(target)) {
    throw new BulkWriteError(
      `expected entity instances (e.g. repository.create(…) or new User()), got ${target === Object ? "a plain object" : typeof entities[0]}`,
    );
  }
  return manager.connection.getMetadata(target);
}

export function assertSameClass(metadata: EntityMetadata, entities: ObjectLiteral[]): void {
  for (let i = 0; i < entities.length; i++) {
    const e = entities[i];
    if (!e || e.constructor !== metadata.target) {
      const got = e?.constructor?.name ?? typeof e;
      throw new BulkWriteError(`all rows of one bulk write must be ${metadata.name} entities; got ${got}`);
    }
  }
}

/** A duplicate key in one statement would let an arbitrary row win: refuse it. (Keys with a NULL part never collide.) */
export function assertUniqueKeys(metadata: EntityMetadata, entities: ObjectLiteral[], columns = metadata.primaryColumns): void {
  if (columns.length === 1 && numericKeysUnique(metadata, entities, columns[0])) return;
  const seen = new Set<string>();
  const has = hasKeyReader(columns);
  const key = keyReader(metadata, columns);
  for (let i = 0; i < entities.length; i++) {
    const e = entities[i];
    if (!has(e)) continue;
    const k = key(e);
    if (seen.has(k)) throw new BulkWriteError(twice(metadata, e, columns));
    seen.add(k);
  }
}

/** `Gadget row 5 appears twice…`; by another key (an upsert's), its columns and values: the row has no primary key yet. */
function twice(metadata: EntityMetadata, entity: ObjectLiteral, columns: ColumnMetadata[]): string {
  const primary = columns.length === metadata.primaryColumns.length && columns.every((c, i) => c === metadata.primaryColumns[i]);
  if (primary) return `${metadata.name} row ${describeKey(metadata, entity)} appears twice in one chunk`;
  const key = columns.map((c) => `${c.propertyPath}=${JSON.stringify(readerFor(c)(entity))}`).join(", ");
  return `${metadata.name} with ${key} appears twice in one chunk (the upsert key ${columns.map((c) => c.propertyPath).join(", ")} must be unique within a chunk)`;
}

/**
 * assertUniqueKeys for a one-column key whose values are all numbers (a serial
 * key): compared as numbers, no string per row. False when a value is not a
 * number: then keys compare as keyOf's strings (5 and "5" are one key).
 */
function numericKeysUnique(metadata: EntityMetadata, entities: ObjectLiteral[], column: ColumnMetadata): boolean {
  const read = readerFor(column);
  const seen = new Set<number>();
  for (let i = 0; i < entities.length; i++) {
    const value = read(entities[i]);
    if (value == null) continue;
    if (typeof value !== "number") return false;
    if (seen.has(value)) throw new BulkWriteError(twice(metadata, entities[i], [column]));
    seen.add(value);
  }
  return true;
}

/** Whether every column of the key has a value. */
export function hasKey(entity: ObjectLiteral, columns: ColumnMetadata[]): boolean {
  return hasKeyReader(columns)(entity);
}

/** hasKey for many rows: the columns' readers looked up once. */
export function hasKeyReader(columns: ColumnMetadata[]): (entity: ObjectLiteral) => boolean {
  if (columns.length === 1) {
    const read = readerFor(columns[0]);
    return (entity) => read(entity) != null;
  }
  const reads = columns.map(readerFor);
  return (entity) => reads.every((read) => read(entity) != null);
}

/** Identity of a row by the given columns, from an entity or (raw = true) from a returned database row. */
export function keyOf(metadata: EntityMetadata, row: ObjectLiteral, raw = false, columns = metadata.primaryColumns): string {
  if (columns.length === 1) return keyPart(raw ? row[columns[0].databaseName] : readerFor(columns[0])(row));
  return columns.map((c) => keyPart(raw ? row[c.databaseName] : readerFor(c)(row))).join("\u0000");
}

/** keyOf for many rows: the columns' readers looked up once. */
export function keyReader(metadata: EntityMetadata, columns = metadata.primaryColumns, raw = false): (row: ObjectLiteral) => string {
  const reads = columns.map((c): ((row: ObjectLiteral) => unknown) => {
    const name = c.databaseName;
    return raw ? (row) => row[name] : readerFor(c);
  });
  if (reads.length === 1) {
    const read = reads[0];
    return (row) => keyPart(read(row));
  }
  return (row) => reads.map((read) => keyPart(read(row))).join("\u0000");
}

function keyPart(value: unknown): string {
  return typeof value === "string" ? value : value instanceof Date ? value.toISOString() : String(value);
}

/** Key types whose order in JavaScript matches PostgreSQL's, so a chunk's span can bound its scan. */
export function hasOrderedKey(metadata: EntityMetadata): boolean {
  if (metadata.primaryColumns.length !== 1) return false;
  const type = metadata.connection.driver.normalizeType({ type: metadata.primaryColumns[0].type });
  return ["integer", "bigint", "smallint", "uuid"].includes(type);
}
