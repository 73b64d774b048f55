import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { snapshotterFor } from "./compiled/snapshotter";

/**
 * The database state of each loaded entity, kept beside it so bulkUpdate can
 * diff without a second SELECT. Weak: a snapshot lives as long as its entity.
 * (The runner hands its snapshots to the writer directly: see updateLoaded.)
 */
const snapshots = new WeakMap<object, ObjectLiteral>();

export function rememberLoaded<T extends ObjectLiteral>(metadata: EntityMetadata, entity: T): void {
  snapshots.set(entity, snapshotterFor(metadata)(entity));
}

export function loadedState<T extends ObjectLiteral>(entity: T): T | undefined {
  return snapshots.get(entity) as T | undefined;
}
