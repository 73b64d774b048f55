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
  for (const e of entities) {
    if (!e || e.constructor !== metadata.target) {
      const got = e?.constructor?.name ?? typeof e;
      throw new BulkWriteError(`all rows of one bulk write must be ${metadata.name} entities; got ${got}`);
    }
  }
}

/** A duplicate key in one statement would let an arbitrary row win: refuse it. (Keys with a NULL part never collide.) */
export function assertUniqueKeys(metadata: EntityMetadata, entities: ObjectLiteral[], columns = metadata.primaryColumns): void {
  const seen = new Set<string>();
  for (const e of entities) {
    if (!hasKey(e, columns)) continue;
    const key = keyOf(metadata, e, false, columns);
    if (seen.has(key)) throw new BulkWriteError(`${metadata.name} row ${describeKey(metadata, e)} appears twice in one chunk`);
    seen.add(key);
  }
}

/** Whether every column of the key has a value. */
export function hasKey(entity: ObjectLiteral, columns: ColumnMetadata[]): boolean {
  return columns.every((c) => readerFor(c)(entity) != null);
}

/** Identity of a row by the given columns, from an entity or (raw = true) from a returned database row. */
export function keyOf(metadata: EntityMetadata, row: ObjectLiteral, raw = false, columns = metadata.primaryColumns): string {
  if (columns.length === 1) return keyPart(raw ? row[columns[0].databaseName] : readerFor(columns[0])(row));
  return columns.map((c) => keyPart(raw ? row[c.databaseName] : readerFor(c)(row))).join("\u0000");
}

function keyPart(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Merge values the database returned (generated keys, dates, versions) into the entity. */
export function applyReturned(metadata: EntityMetadata, entity: ObjectLiteral, row: ObjectLiteral, columns: ColumnMetadata[]): void {
  const driver = metadata.connection.driver;
  for (const column of columns) {
    if (!(column.databaseName in row)) continue;
    column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
}

/** save() leaves nullable columns it did not get a value for as null, not undefined. */
export function setMissingNullables(metadata: EntityMetadata, entity: ObjectLiteral): void {
  for (const column of metadata.columns) {
    if (column.isVirtual || column.isDeleteDate || !column.isNullable) continue;
    if (metadata.childEntityMetadatas.some((child) => child.target === column.target)) continue;
    if (column.getEntityValue(entity) === undefined) column.setEntityValue(entity, null);
  }
}

/** Key types whose order in JavaScript matches PostgreSQL's, so a chunk's span can bound its scan. */
export function hasOrderedKey(metadata: EntityMetadata): boolean {
  if (metadata.primaryColumns.length !== 1) return false;
  const type = metadata.connection.driver.normalizeType({ type: metadata.primaryColumns[0].type });
  return ["integer", "bigint", "smallint", "uuid"].includes(type);
}
