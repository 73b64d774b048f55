import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { arrayLiteral } from "../bulk/array-literal";
import type { RowChange } from "../bulk/change-set";
import { codecFor } from "../bulk/column-codec";
import { readerFor } from "../bulk/column-value";

/**
 * What a chunk needs to be undone, kept in the chunk's own transaction: for
 * every row it updated, its key and, for each column it wrote, the value the
 * column held before and the value written (so a revert can tell a row that
 * live traffic changed since); for every row it inserted, its key; for every
 * row it deleted (mutate returned REMOVE), the whole row, every column a
 * bulk insert writes (a soft-removed row is an update of its delete date). Values are
 * kept as the PostgreSQL array literals the bulk statements send (one per
 * column, in the column's own encoding), and read back with the same casts:
 * compact, exact, and independent of JavaScript's idea of the values.
 */
export interface UndoImage {
  /** The entity (metadata name) the chunk wrote: a revert refuses another. */
  entity: string;
  /** Database names of the primary key's columns. */
  keys: string[];
  updated?: {
    /** Per key column: the keys of the rows updated. */
    keys: string[];
    /** Database names of the columns written, and per column: the values before, the values written, and which rows wrote it. */
    columns: string[];
    before: string[];
    after: string[];
    /** Per column: `{t,f,…}`, or null when every row wrote it. */
    wrote: (string | null)[];
    /** The version each row was left at, where the entity has a version column. */
    versionAfter?: string;
  };
  inserted?: {
    /** Per key column: the keys of the rows inserted. */
    keys: string[];
    versionAfter?: string;
  };
  removed?: {
    /** Database names of the rows' columns (every one a bulk insert writes, the key's among them), and per column the values the rows held. */
    columns: string[];
    values: string[];
  };
}

/** A chunk's image and how many rows it covers (counted here: imageRows would parse the literals again). */
export interface KeptImage {
  image: UndoImage;
  rows: number;
}

/** What a chunk wrote, for its image: rows updated (soft-removed rows among them), rows inserted, and the database rows it deleted. */
export interface WrittenRows {
  updated?: RowChange<ObjectLiteral>[];
  inserted?: ObjectLiteral[];
  removed?: ObjectLiteral[];
}

export function undoImage(metadata: EntityMetadata, written: WrittenRows): KeptImage | undefined {
  const updated = written.updated?.filter((c) => c.databaseEntity !== undefined) ?? [];
  const inserted = written.inserted ?? [];
  const removed = written.removed ?? [];
  if (!updated.length && !inserted.length && !removed.length) return undefined;
  const image: UndoImage = { entity: metadata.name, keys: metadata.primaryColumns.map((c) => c.databaseName) };
  if (updated.length) image.updated = updatedImage(metadata, updated);
  if (inserted.length) {
    image.inserted = { keys: metadata.primaryColumns.map((c) => encoded(c, inserted)) };
    if (metadata.versionColumn) image.inserted.versionAfter = encoded(metadata.versionColumn, inserted);
  }
  if (removed.length) {
    const columns = wholeRowColumns(metadata);
    image.removed = { columns: columns.map((c) => c.databaseName), values: columns.map((c) => encoded(c, removed)) };
  }
  return { image, rows: updated.length + inserted.length + removed.length };
}

/**
 * The columns a removed row is kept by and re-inserted with: those a bulk insert writes (not a
 * @VirtualColumn, not a generated `asExpression`, not `insert: false`, which the database fills).
 */
export function wholeRowColumns(metadata: EntityMetadata): ColumnMetadata[] {
  return metadata.columns.filter((c) => !c.isVirtualProperty && c.isInsert && c.asExpression === undefined);
}

function updatedImage(metadata: EntityMetadata, changes: RowChange<ObjectLiteral>[]): NonNullable<UndoImage["updated"]> {
  const written = new Set<ColumnMetadata>();
  for (const change of changes) for (const column of change.writeColumns) written.add(column);
  // The entity's column order: images of chunks of the same shape read alike.
  const columns = metadata.columns.filter((c) => written.has(c));
  const image: NonNullable<UndoImage["updated"]> = {
    keys: metadata.primaryColumns.map((c) => encoded(c, changes.map((ch) => ch.databaseEntity))),
    columns: columns.map((c) => c.databaseName),
    before: [],
    after: [],
    wrote: [],
  };
  for (const column of columns) {
    const codec = codecFor(column);
    const read = readerFor(column);
    const every = changes.every((c) => c.writeColumns.has(column));
    image.before.push(arrayLiteral(changes.map((c) => (c.writeColumns.has(column) ? codec.encode(read(c.databaseEntity)) : null))));
    image.after.push(arrayLiteral(changes.map((c) => (c.writeColumns.has(column) ? codec.encode(read(c.entity)) : null))));
    image.wrote.push(every ? null : arrayLiteral(changes.map((c) => c.writeColumns.has(column))));
  }
  if (metadata.versionColumn) image.versionAfter = encoded(metadata.versionColumn, changes.map((c) => c.entity));
  return image;
}

function encoded(column: ColumnMetadata, entities: ObjectLiteral[]): string {
  const codec = codecFor(column);
  const read = readerFor(column);
  return arrayLiteral(entities.map((e) => codec.encode(read(e))));
}

/** The number of rows a stored image covers (updated, inserted and removed), for the summary. */
export function imageRows(image: UndoImage): number {
  const removedKey = image.removed ? image.removed.values[image.removed.columns.indexOf(image.keys[0])] : undefined;
  return countOf(image.updated?.keys[0]) + countOf(image.inserted?.keys[0]) + countOf(removedKey);
}

function countOf(literal: string | undefined): number {
  if (!literal || literal === "{}") return 0;
  // Literals of keys hold no nested arrays; a quoted element never contains an unescaped comma outside quotes.
  let n = 1;
  let quoted = false;
  for (let i = 1; i < literal.length - 1; i++) {
    const ch = literal[i];
    if (ch === "\\") i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) n++;
  }
  return n;
}
