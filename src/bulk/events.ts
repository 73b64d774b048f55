import type { EntityMetadata, ObjectLiteral, QueryRunner } from "typeorm";
import { BroadcasterResult } from "typeorm/subscriber/BroadcasterResult";
import type { RowChange } from "./change-set";
import { idMapFor } from "./compiled/id-map";

/**
 * Entity events go through TypeORM's own broadcaster, as its query builders
 * do, so subscribers and entity listeners see exactly what save() shows them.
 *
 * One row at a time: when a row's listeners return promises (a subscriber that
 * queries through the chunk's connection), they are awaited before the next
 * row's, so queries never pile up on the one connection (node-pg deprecates
 * concurrent queries on a client). Synchronous listeners cost no await.
 *
 * Resolves to how many listeners ran: like save(), the writers re-diff after
 * the before-events only when one did.
 */
async function broadcastEach<E>(items: E[], send: (result: BroadcasterResult, item: E) => void): Promise<number> {
  // One result for the whole run: it counts every row's listeners; its promises are awaited (and emptied) row by row.
  const result = new BroadcasterResult();
  for (let i = 0; i < items.length; i++) {
    send(result, items[i]);
    if (result.promises.length) {
      await Promise.all(result.promises);
      result.promises = [];
    }
  }
  return result.count;
}

export function beforeUpdate<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, changes: RowChange<T>[]) {
  return broadcastEach(changes, (r, c) =>
    qr.broadcaster.broadcastBeforeUpdateEvent(r, metadata, c.entity, c.databaseEntity, c.updatedColumns, c.updatedRelations),
  );
}

export function afterUpdate<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, changes: RowChange<T>[]) {
  return broadcastEach(changes, (r, c) =>
    qr.broadcaster.broadcastAfterUpdateEvent(r, metadata, c.entity, c.databaseEntity, c.updatedColumns, c.updatedRelations),
  );
}

export function beforeInsert<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, entities: T[]) {
  return broadcastEach(entities, (r, e) => qr.broadcaster.broadcastBeforeInsertEvent(r, metadata, e));
}

export function afterInsert<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, entities: T[]) {
  const idMap = idMapFor(metadata);
  return broadcastEach(entities, (r, e) => qr.broadcaster.broadcastAfterInsertEvent(r, metadata, e, idMap(e)));
}

/** `rows`: each entity with its row as loaded (remove() fires with the entity and its database row). */
export function beforeRemove<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, rows: { entity: T; databaseEntity: T }[]) {
  return broadcastEach(rows, (r, x) => qr.broadcaster.broadcastBeforeRemoveEvent(r, metadata, x.entity, x.databaseEntity, metadata.getEntityIdMap(x.databaseEntity)));
}

export function afterRemove<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, rows: { entity: T; databaseEntity: T }[]) {
  return broadcastEach(rows, (r, x) => qr.broadcaster.broadcastAfterRemoveEvent(r, metadata, x.entity, x.databaseEntity, metadata.getEntityIdMap(x.databaseEntity)));
}

export function beforeSoftRemove<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, rows: { entity: T; databaseEntity: T }[]) {
  return broadcastEach(rows, (r, x) => qr.broadcaster.broadcastBeforeSoftRemoveEvent(r, metadata, x.entity, x.databaseEntity, metadata.getEntityIdMap(x.databaseEntity)));
}

export function afterSoftRemove<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, rows: { entity: T; databaseEntity: T }[]) {
  return broadcastEach(rows, (r, x) => qr.broadcaster.broadcastAfterSoftRemoveEvent(r, metadata, x.entity, x.databaseEntity, metadata.getEntityIdMap(x.databaseEntity)));
}
