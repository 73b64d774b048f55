import type { EntityMetadata, ObjectLiteral, QueryRunner } from "typeorm";
import { BroadcasterResult } from "typeorm/subscriber/BroadcasterResult";
import type { RowChange } from "./change-set";

/**
 * Entity events go through TypeORM's own broadcaster, as its query builders
 * do, so subscribers and entity listeners see exactly what save() shows them.
 */
export async function broadcast(each: (result: BroadcasterResult) => void): Promise<void> {
  const result = new BroadcasterResult();
  each(result);
  if (result.promises.length) await Promise.all(result.promises);
}

export function beforeUpdate<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, changes: RowChange<T>[]) {
  return broadcast((r) => {
    for (const c of changes) {
      qr.broadcaster.broadcastBeforeUpdateEvent(r, metadata, c.entity, c.databaseEntity, c.updatedColumns, c.updatedRelations);
    }
  });
}

export function afterUpdate<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, changes: RowChange<T>[]) {
  return broadcast((r) => {
    for (const c of changes) {
      qr.broadcaster.broadcastAfterUpdateEvent(r, metadata, c.entity, c.databaseEntity, c.updatedColumns, c.updatedRelations);
    }
  });
}

export function beforeInsert<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, entities: T[]) {
  return broadcast((r) => {
    for (const e of entities) qr.broadcaster.broadcastBeforeInsertEvent(r, metadata, e);
  });
}

export function afterInsert<T extends ObjectLiteral>(qr: QueryRunner, metadata: EntityMetadata, entities: T[]) {
  return broadcast((r) => {
    for (const e of entities) qr.broadcaster.broadcastAfterInsertEvent(r, metadata, e, metadata.getEntityIdMap(e));
  });
}
