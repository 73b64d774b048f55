import { spanOfKeys } from "./key-span";
import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { codecFor, quotedTable } from "./column-codec";
import { changeComputer, describeKey, rediff, type RowChange } from "./change-set";
import { applyReturnedFor, setMissingNullablesFor } from "./compiled/returned-values";
import { updateParamsFor } from "./compiled/update-params";
import { afterUpdate, beforeUpdate } from "./events";
import { BulkWriteError } from "./errors";
import { loadByKeys } from "./load";
import { loadedState } from "./snapshots";
import { buildUpdate, type BuiltStatement } from "./sql";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";
import { assertSameClass, assertUniqueKeys, hasOrderedKey, keyOf, keyReader, metadataOf } from "./rows";
import { readerFor } from "./column-value";
import { boundValues, type KeyBounds } from "./key-range";

export interface BulkUpdateOptions {
  /**
   * Inclusive primary-key range the rows lie in; bounds the scan (the runner passes its chunk's range).
   * For a composite key, each bound is an array of the key's values in primary-column order (row order).
   */
  keyRange?: KeyBounds;
}

export interface BulkUpdateResult<T> {
  /** Rows written. */
  updated: number;
  /** Rows whose @VersionColumn moved since they were loaded: left untouched. */
  conflicts: T[];
  /** The changes written, row by row (entity, databaseEntity, updatedColumns). */
  changes: RowChange<T>[];
}

/**
 * Writes the changed rows among `entities` with ONE `UPDATE … FROM unnest(…)`,
 * only their changed columns, firing beforeUpdate/afterUpdate as save() does.
 */
export async function bulkUpdate<T extends ObjectLiteral>(
  manager: EntityManager,
  entities: T[],
  options: BulkUpdateOptions = {},
): Promise<BulkUpdateResult<T>> {
  return updateLoaded(manager, entities, entities.map((e) => loadedState(e)), options);
}

/**
 * bulkUpdate with each entity's state as loaded given beside it (`loaded[i]`,
 * undefined where there is none), as the runner has them, instead of
 * remembered by rememberLoaded().
 */
export async function updateLoaded<T extends ObjectLiteral>(
  manager: EntityManager,
  entities: T[],
  loaded: (T | undefined)[],
  options: BulkUpdateOptions = {},
): Promise<BulkUpdateResult<T>> {
  if (!entities.length) return { updated: 0, conflicts: [], changes: [] };
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  assertUniqueKeys(metadata, entities);

  return inTransaction(manager, async (qr, txManager) => {
    const databaseEntities = await databaseStates(txManager, metadata, entities, loaded);
    const stale = staleVersions(metadata, entities, databaseEntities, loaded);
    const initial = diffAll(metadata, entities, databaseEntities, stale);
    const staleList = stale ? entities.filter((e) => stale.has(e)) : [];
    if (!initial.length) return { updated: 0, conflicts: staleList, changes: [] };

    const listened = await beforeUpdate(qr, metadata, initial);
    // Before-listeners may change more columns (or undo changes): diff again, as save() does.
    const changes = listened ? rediff(metadata, initial) : initial;
    if (!changes.length) return { updated: 0, conflicts: staleList, changes: [] };

    const statement = updateStatement(metadata, changes, options.keyRange !== undefined || hasOrderedKey(metadata));
    const params: unknown[] = updateParamsFor(metadata, statement)(changes);
    if (statement.keyRange) {
      const range = options.keyRange ?? spanOf(metadata, changes);
      params.push(...boundValues(metadata.primaryColumns.length, range));
    }
    const rows = await runStatement(qr, statement, params);

    const apply = applyReturnedFor(metadata, returningColumns(metadata));
    const setNullables = setMissingNullablesFor(metadata);
    const positionOf = returnedPosition(metadata, changes);
    const isWritten = new Uint8Array(changes.length);
    for (let i = 0; i < rows.length; i++) {
      const k = positionOf(rows[i], i);
      apply(changes[k].entity, rows[i]);
      setNullables(changes[k].entity);
      isWritten[k] = 1;
    }
    // In the caller's order, as save() fires them (RETURNING order is the join's).
    const written = rows.length === changes.length ? changes : changes.filter((_, k) => isWritten[k]);
    const conflicts = written === changes ? staleList : [...staleList, ...changes.filter((_, k) => !isWritten[k]).map((c) => c.entity)];

    await afterUpdate(qr, metadata, written);
    return { updated: written.length, conflicts, changes: written };
  });
}

/**
 * The position among the changes of the one each returned row belongs to:
 * usually its own (the join returns rows in unnest order), else found by key.
 */
function returnedPosition<T extends ObjectLiteral>(metadata: EntityMetadata, changes: RowChange<T>[]): (row: ObjectLiteral, i: number) => number {
  const keyOfRow = keyReader(metadata, metadata.primaryColumns, true);
  const keyOfEntity = keyReader(metadata);
  const single = metadata.primaryColumns.length === 1 ? metadata.primaryColumns[0] : undefined;
  const name = single?.databaseName;
  const read = single && readerFor(single);
  let byKey: Map<string, number> | undefined;
  return (row, i) => {
    // The same value (a number or a string) is the same key: no key strings for the usual row.
    if (read && i < changes.length && row[name!] === read(changes[i].databaseEntity)) return i;
    byKey ??= new Map(changes.map((c, k) => [keyOfEntity(c.databaseEntity), k]));
    return byKey.get(keyOfRow(row))!;
  };
}

/**
 * The "before" state of each entity: its snapshot from when it was loaded or,
 * standalone, one SELECT … WHERE pk = ANY(…) in the transaction. When the
 * script set a ManyToOne the load did not join (its id is not in the
 * snapshots), that SELECT covers every row and fills the relation's ids into
 * the snapshots, as save() loads the ids of every relation any row sets.
 */
async function databaseStates<T extends ObjectLiteral>(
  manager: EntityManager,
  metadata: EntityMetadata,
  entities: T[],
  loaded: (T | undefined)[],
): Promise<T[]> {
  const states = [...loaded];
  const unloaded = metadata.relationsWithJoinColumns.filter((r) =>
    entities.some((e, i) => states[i] !== undefined && r.getEntityValue(e) !== undefined && r.getEntityValue(states[i]!) === undefined),
  );
  const toLoad = unloaded.length ? entities : entities.filter((_, i) => states[i] === undefined);
  if (!toLoad.length) return states as T[];
  const current = await loadByKeys(manager, metadata, toLoad);
  entities.forEach((e, i) => {
    const row = current.get(keyOf(metadata, e));
    const state = states[i];
    if (state === undefined) {
      if (!row) throw new BulkWriteError(`bulkUpdate: ${metadata.name} row ${describeKey(metadata, e)} does not exist`);
      states[i] = row;
    } else if (row) {
      for (const r of unloaded) if (r.getEntityValue(state) === undefined) r.setEntityValue(state, r.getEntityValue(row));
    }
  });
  return states as T[];
}

/**
 * Standalone rows (no snapshot) that carry a version older than the row's: the
 * caller loaded them before someone else wrote. save() would write them and set
 * the version back; here they are conflicts, as when a snapshot's version moved.
 */
function staleVersions<T extends ObjectLiteral>(metadata: EntityMetadata, entities: T[], databaseEntities: T[], loaded: (T | undefined)[]): Set<T> | undefined {
  const version = metadata.versionColumn;
  if (!version) return undefined;
  const stale = new Set<T>();
  entities.forEach((e, i) => {
    const mine = version.getEntityValue(e);
    if (loaded[i] === undefined && mine != null && Number(mine) !== Number(version.getEntityValue(databaseEntities[i]))) stale.add(e);
  });
  return stale.size ? stale : undefined;
}

function diffAll<T extends ObjectLiteral>(metadata: EntityMetadata, entities: T[], databaseEntities: T[], stale: Set<T> | undefined): RowChange<T>[] {
  const compute = changeComputer<T>(metadata);
  const changes: RowChange<T>[] = [];
  for (let i = 0; i < entities.length; i++) {
    if (stale?.has(entities[i])) continue;
    const change = compute(entities[i], databaseEntities[i]);
    if (change) changes.push(change);
  }
  return changes;
}

function returningColumns(metadata: EntityMetadata): ColumnMetadata[] {
  const cols = [...metadata.primaryColumns];
  if (metadata.updateDateColumn) cols.push(metadata.updateDateColumn);
  if (metadata.versionColumn) cols.push(metadata.versionColumn);
  return cols;
}

function updateStatement<T extends ObjectLiteral>(metadata: EntityMetadata, changes: RowChange<T>[], keyRange: boolean): BuiltStatement {
  // Rows that change the same columns mostly share one write set: count the sets, then their columns.
  const sets = new Map<ReadonlySet<ColumnMetadata>, number>();
  for (let i = 0; i < changes.length; i++) sets.set(changes[i].writeColumns, (sets.get(changes[i].writeColumns) ?? 0) + 1);
  const counts = new Map<ColumnMetadata, number>();
  for (const [set, n] of sets) for (const col of set) counts.set(col, (counts.get(col) ?? 0) + n);
  // Stable column order: the entity's, so chunks of the same shape share one SQL text.
  return buildUpdate({
    table: quotedTable(metadata),
    keys: metadata.primaryColumns.map(codecFor),
    sets: metadata.columns.filter((col) => counts.has(col)).map((col) => ({ codec: codecFor(col), partial: counts.get(col)! < changes.length })),
    updateDate: metadata.updateDateColumn && codecFor(metadata.updateDateColumn),
    version: metadata.versionColumn && codecFor(metadata.versionColumn),
    keyRange,
    returning: returningColumns(metadata).map(codecFor),
  });
}

/** Smallest and largest key of the chunk (hasOrderedKey() types only: numbers, bigint strings, uuids). */
function spanOf<T extends ObjectLiteral>(metadata: EntityMetadata, changes: RowChange<T>[]) {
  const key = metadata.primaryColumns[0];
  return spanOfKeys(changes.map((c) => key.getEntityValue(c.databaseEntity) as number | string));
}
