import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { arrayLiteral } from "./array-literal";
import { codecFor, quotedTable } from "./column-codec";
import { computeChange, describeKey, type RowChange } from "./change-set";
import { afterUpdate, beforeUpdate } from "./events";
import { BulkWriteError } from "./errors";
import { loadByKeys } from "./load";
import { loadedState } from "./snapshots";
import { buildUpdate, type BuiltStatement } from "./sql";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";
import { applyReturned, assertSameClass, assertUniqueKeys, hasOrderedKey, keyOf, metadataOf, setMissingNullables } from "./rows";
import { readerFor } from "./column-value";

export interface BulkUpdateOptions {
  /** Inclusive primary-key range the rows lie in; bounds the scan (the runner passes its chunk's range). */
  keyRange?: { lo: unknown; hi: unknown };
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
  if (!entities.length) return { updated: 0, conflicts: [], changes: [] };
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  assertUniqueKeys(metadata, entities);

  return inTransaction(manager, async (qr, txManager) => {
    const databaseEntities = await databaseStates(txManager, metadata, entities);
    const stale = staleVersions(metadata, entities, databaseEntities);
    const initial = diffAll(metadata, entities, databaseEntities).filter((c) => !stale.has(c.entity));
    const staleList = entities.filter((e) => stale.has(e));
    if (!initial.length) return { updated: 0, conflicts: staleList, changes: [] };

    const listened = await beforeUpdate(qr, metadata, initial);
    // Before-listeners may change more columns (or undo changes): diff again, as save() does.
    const changes = listened ? diffAll(metadata, initial.map((c) => c.entity), initial.map((c) => c.databaseEntity)) : initial;
    if (!changes.length) return { updated: 0, conflicts: staleList, changes: [] };

    const statement = updateStatement(metadata, changes, options.keyRange !== undefined || hasOrderedKey(metadata));
    const params = updateParams(metadata, statement, changes, options.keyRange);
    const rows = await runStatement(qr, statement, params);

    const byKey = new Map(changes.map((c) => [keyOf(metadata, c.databaseEntity), c]));
    const writtenSet = new Set<RowChange<T>>();
    for (const row of rows) {
      const change = byKey.get(keyOf(metadata, row, true))!;
      applyReturned(metadata, change.entity, row, returningColumns(metadata));
      setMissingNullables(metadata, change.entity);
      writtenSet.add(change);
    }
    // In the caller's order, as save() fires them (RETURNING order is the join's).
    const written = changes.filter((c) => writtenSet.has(c));
    const conflicts = [...staleList, ...changes.filter((c) => !writtenSet.has(c)).map((c) => c.entity)];

    await afterUpdate(qr, metadata, written);
    return { updated: written.length, conflicts, changes: written };
  });
}

/**
 * The "before" state of each entity: its snapshot from when it was loaded or,
 * standalone, one SELECT … WHERE pk = ANY(…) in the transaction. When the
 * script set a ManyToOne the load did not join (its id is not in the
 * snapshots), that SELECT covers every row and fills the relation's ids into
 * the snapshots, as save() loads the ids of every relation any row sets.
 */
async function databaseStates<T extends ObjectLiteral>(manager: EntityManager, metadata: EntityMetadata, entities: T[]): Promise<T[]> {
  const states = entities.map((e) => loadedState(e));
  const unloaded = metadata.relationsWithJoinColumns.filter((r) =>
    entities.some((e, i) => states[i] !== undefined && r.getEntityValue(e) !== undefined && r.getEntityValue(states[i]!) === undefined),
  );
  const toLoad = unloaded.length ? entities : entities.filter((_, i) => states[i] === undefined);
  if (!toLoad.length) return states as T[];
  const loaded = await loadByKeys(manager, metadata, toLoad);
  entities.forEach((e, i) => {
    const row = loaded.get(keyOf(metadata, e));
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
function staleVersions<T extends ObjectLiteral>(metadata: EntityMetadata, entities: T[], databaseEntities: T[]): Set<T> {
  const stale = new Set<T>();
  const version = metadata.versionColumn;
  if (!version) return stale;
  entities.forEach((e, i) => {
    const mine = version.getEntityValue(e);
    if (loadedState(e) === undefined && mine != null && Number(mine) !== Number(version.getEntityValue(databaseEntities[i]))) stale.add(e);
  });
  return stale;
}

function diffAll<T extends ObjectLiteral>(metadata: EntityMetadata, entities: T[], databaseEntities: T[]): RowChange<T>[] {
  const changes: RowChange<T>[] = [];
  entities.forEach((entity, i) => {
    const change = computeChange(metadata, entity, databaseEntities[i]);
    if (change) changes.push(change);
  });
  return changes;
}

function returningColumns(metadata: EntityMetadata): ColumnMetadata[] {
  const cols = [...metadata.primaryColumns];
  if (metadata.updateDateColumn) cols.push(metadata.updateDateColumn);
  if (metadata.versionColumn) cols.push(metadata.versionColumn);
  return cols;
}

function updateStatement<T extends ObjectLiteral>(metadata: EntityMetadata, changes: RowChange<T>[], keyRange: boolean): BuiltStatement {
  const counts = new Map<ColumnMetadata, number>();
  for (const c of changes) for (const col of c.writeColumns) counts.set(col, (counts.get(col) ?? 0) + 1);
  // Stable column order: the entity's, so chunks of the same shape share one SQL text.
  const sets = metadata.columns
    .filter((col) => counts.has(col))
    .map((col) => ({ codec: codecFor(col), partial: counts.get(col)! < changes.length }));
  return buildUpdate({
    table: quotedTable(metadata),
    keys: metadata.primaryColumns.map(codecFor),
    sets,
    updateDate: metadata.updateDateColumn && codecFor(metadata.updateDateColumn),
    version: metadata.versionColumn && codecFor(metadata.versionColumn),
    keyRange: keyRange && metadata.primaryColumns.length === 1,
    returning: returningColumns(metadata).map(codecFor),
  });
}

function updateParams<T extends ObjectLiteral>(
  metadata: EntityMetadata,
  statement: BuiltStatement,
  changes: RowChange<T>[],
  keyRange: BulkUpdateOptions["keyRange"],
): unknown[] {
  const params: unknown[] = statement.params.map(({ codec, role }) => {
    const column = codec.column;
    const read = readerFor(column);
    switch (role) {
      case "key":
        return arrayLiteral(changes.map((c) => codec.encode(read(c.databaseEntity))));
      case "value":
        return arrayLiteral(changes.map((c) => (c.writeColumns.has(column) ? codec.encode(read(c.entity)) : null)));
      case "flag":
        return arrayLiteral(changes.map((c) => c.writeColumns.has(column)));
      case "version":
        return arrayLiteral(changes.map((c) => read(c.databaseEntity)));
    }
  });
  if (statement.keyRange) {
    const range = keyRange ?? spanOf(metadata, changes);
    params.push(range.lo, range.hi);
  }
  return params;
}

/** Smallest and largest key of the chunk (hasOrderedKey() types only: numbers, bigint strings, uuids). */
function spanOf<T extends ObjectLiteral>(metadata: EntityMetadata, changes: RowChange<T>[]) {
  const key = metadata.primaryColumns[0];
  const values = changes.map((c) => key.getEntityValue(c.databaseEntity) as number | string);
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
