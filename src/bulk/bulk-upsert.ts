import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { codecFor, quotedTable } from "./column-codec";
import { changeComputer, rediff, refuseCollections, type RowChange } from "./change-set";
import { BulkWriteError } from "./errors";
import { afterInsert, afterUpdate, beforeInsert, beforeUpdate } from "./events";
import { insertParams, planInsert } from "./insert-columns";
import { loadByColumns } from "./load";
import { adoptUnsetFor } from "./compiled/adopt-unset";
import { applyReturnedFor, setMissingNullablesFor } from "./compiled/returned-values";
import { assertSameClass, assertUniqueKeys, hasKeyReader, keyReader, metadataOf } from "./rows";
import { buildInsert, INSERTED_FLAG } from "./sql";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";

export interface BulkUpsertOptions {
  /** Property names of a unique key (or the primary key) that identifies a row. */
  conflictColumns: string[];
}

export interface BulkUpsertResult<T> {
  created: number;
  updated: number;
  /** Rows that existed and did not change: not written, no events. */
  unchanged: number;
  createdEntities: T[];
  updatedChanges: RowChange<T>[];
}

/**
 * The bulk update_or_create: rows that exist (by `conflictColumns`, selected in
 * the transaction) get beforeUpdate/afterUpdate with databaseEntity; new rows
 * get beforeInsert/afterInsert. ONE `INSERT … ON CONFLICT … DO UPDATE …
 * RETURNING …, (xmax = 0)` writes both, so a row someone else creates between
 * the select and the write becomes an update, never a unique violation.
 */
export async function bulkUpsert<T extends ObjectLiteral>(
  manager: EntityManager,
  entities: T[],
  options: BulkUpsertOptions,
): Promise<BulkUpsertResult<T>> {
  const empty = { created: 0, updated: 0, unchanged: 0, createdEntities: [], updatedChanges: [] };
  if (!entities.length) return empty;
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  const conflict = conflictColumnsOf(metadata, options.conflictColumns);
  assertUniqueKeys(metadata, entities, conflict);

  const hasConflictKey = hasKeyReader(conflict);
  refuseCollections(metadata, entities.filter((e) => !hasConflictKey(e)));

  return inTransaction(manager, async (qr, txManager) => {
    // Locked, so nobody changes an existing row between this read and the write:
    // the columns the script left unset are written back with these values.
    const existing = await loadByColumns(txManager, metadata, conflict, entities, { lock: true });
    const fresh: T[] = [];
    const current = new Map<T, T>();
    const compute = changeComputer<T>(metadata);
    const initial: RowChange<T>[] = [];
    const adoptUnset = adoptUnsetFor(metadata);
    const conflictKey = keyReader(metadata, conflict);
    for (let i = 0; i < entities.length; i++) {
      const entity = entities[i];
      const databaseEntity = hasConflictKey(entity) ? existing.get(conflictKey(entity)) : undefined;
      if (!databaseEntity) {
        fresh.push(entity);
        continue;
      }
      // The entity stands for the existing row: it takes its primary key and the
      // columns the script did not set, so the diff shows only what changes.
      adoptUnset(entity, databaseEntity);
      current.set(entity, databaseEntity);
    }

    refuseCollections(metadata, fresh);
    await beforeInsert(qr, metadata, fresh);
    refuseCollections(metadata, fresh); // a listener may have set one
    for (let i = 0; i < entities.length; i++) {
      const databaseEntity = current.get(entities[i]);
      const change = databaseEntity && compute(entities[i], databaseEntity);
      if (change) initial.push(change);
    }
    const listened = await beforeUpdate(qr, metadata, initial);
    const changes = listened ? rediff(metadata, initial) : initial;
    // Written in conflict-key order: two writers of overlapping keys take row locks in one order, so never deadlock.
    const toWrite = sortByKey(metadata, conflict, [...fresh, ...changes.map((c) => c.entity)]);
    if (!toWrite.length) return { ...empty, unchanged: entities.length };

    const plan = planInsert(metadata, toWrite, current);
    const updateColumns = plan.columns
      .map((c) => c.column)
      .filter((c) => c.isUpdate && !c.isPrimary && !c.isCreateDate && !c.isUpdateDate && !c.isVersion && !c.isDiscriminator)
      .filter((c) => !conflict.includes(c))
      .map(codecFor);
    const statement = buildInsert({
      table: quotedTable(metadata),
      columns: plan.columns,
      fallbacks: plan.fallbacks,
      returning: plan.returning,
      upsert: {
        conflictColumns: conflict.map(codecFor),
        updateColumns,
        updateDate: metadata.updateDateColumn && codecFor(metadata.updateDateColumn),
        version: metadata.versionColumn && codecFor(metadata.versionColumn),
      },
    });
    const params = insertParams(metadata, statement, plan, toWrite);
    const rows = await runStatement(qr, statement, params);

    const apply = applyReturnedFor(metadata, plan.returning.map((c) => c.column));
    const setNullables = setMissingNullablesFor(metadata);
    const positionOf = new Map<T, number>();
    toWrite.forEach((entity, i) => {
      apply(entity, rows[i]);
      setNullables(entity);
      positionOf.set(entity, i);
    });
    // Results and events in the caller's order.
    const changeOf = new Map(changes.map((c) => [c.entity, c]));
    const createdEntities: T[] = [];
    const updatedChanges: RowChange<T>[] = [];
    for (let i = 0; i < entities.length; i++) {
      const k = positionOf.get(entities[i]);
      if (k === undefined) continue;
      if (rows[k][INSERTED_FLAG]) createdEntities.push(entities[i]);
      // Existed at select time, or created by someone else since (a race): either way an update.
      else updatedChanges.push(changeOf.get(entities[i]) ?? racedUpdate(metadata, entities[i], plan.columns.map((c) => c.column)));
    }
    await afterInsert(qr, metadata, createdEntities);
    await afterUpdate(qr, metadata, updatedChanges);
    return {
      created: createdEntities.length,
      updated: updatedChanges.length,
      unchanged: entities.length - toWrite.length,
      createdEntities,
      updatedChanges,
    };
  });
}

function sortByKey<T extends ObjectLiteral>(metadata: EntityMetadata, conflict: ColumnMetadata[], entities: T[]): T[] {
  const key = keyReader(metadata, conflict);
  const keyed = entities.map((e) => ({ e, k: key(e) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.e);
}

function conflictColumnsOf(metadata: EntityMetadata, names: string[]): ColumnMetadata[] {
  if (!names?.length) throw new BulkWriteError("bulkUpsert needs conflictColumns (a unique key of the entity)");
  return names.map((name) => {
    const column = metadata.findColumnWithPropertyPath(name) ?? metadata.findColumnWithDatabaseName(name);
    if (!column) throw new BulkWriteError(`${metadata.name} has no column "${name}" (conflictColumns)`);
    return column;
  });
}

// A row created by another transaction between our select and our write: we
// never saw its previous state, so its update reports every written column.
function racedUpdate<T extends ObjectLiteral>(metadata: EntityMetadata, entity: T, written: ColumnMetadata[]): RowChange<T> {
  const updatedColumns = written.filter((c) => !c.isPrimary && c.isUpdate);
  return { entity, databaseEntity: undefined as unknown as T, updatedColumns, updatedRelations: [], writeColumns: new Set(updatedColumns) };
}
