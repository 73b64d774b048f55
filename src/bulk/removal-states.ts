import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { snapshotterFor } from "./compiled/snapshotter";
import { loadByKeys } from "./load";
import { keyOf } from "./rows";
import { loadedState } from "./snapshots";

/** An entity being removed and its row as it stands in the database (what remove() puts in `databaseEntity`). */
export interface RemovalRow<T> {
  entity: T;
  databaseEntity: T;
}

/**
 * Each entity's database row: its state as loaded (given, or remembered by rememberLoaded), else
 * the entity itself. Where the entity has ManyToOne / owner OneToOne relations the load did not
 * fill in, the rows are read again with their relation ids (as remove() loads them), so events
 * and before-images carry the foreign keys.
 */
export async function removalRows<T extends ObjectLiteral>(manager: EntityManager, metadata: EntityMetadata, entities: T[], loaded?: (T | undefined)[]): Promise<RemovalRow<T>[]> {
  const snapshot = snapshotterFor(metadata);
  const rows = entities.map((entity, i) => ({ entity, databaseEntity: (loaded?.[i] ?? loadedState(entity) ?? snapshot(entity)) as T }));
  const relations = metadata.relationsWithJoinColumns;
  if (!relations.some((r) => rows.some((row) => r.getEntityValue(row.databaseEntity) === undefined))) return rows;
  const current = await loadByKeys(manager, metadata, rows.map((r) => r.databaseEntity));
  for (const row of rows) {
    const fresh = current.get(keyOf(metadata, row.databaseEntity));
    if (!fresh) continue;
    for (const r of relations) if (r.getEntityValue(row.databaseEntity) === undefined) r.setEntityValue(row.databaseEntity, r.getEntityValue(fresh));
  }
  return rows;
}
