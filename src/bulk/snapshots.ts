import type { EntityMetadata, ObjectLiteral } from "typeorm";

/**
 * The database state of each loaded entity, kept beside it so bulkUpdate can
 * diff without a second SELECT. Weak: a snapshot lives as long as its entity.
 */
const snapshots = new WeakMap<object, ObjectLiteral>();

export function rememberLoaded<T extends ObjectLiteral>(metadata: EntityMetadata, entity: T): void {
  snapshots.set(entity, copyEntity(metadata, entity));
}

export function loadedState<T extends ObjectLiteral>(entity: T): T | undefined {
  return snapshots.get(entity) as T | undefined;
}

/** A detached copy of the entity's column and relation values, of the same class. */
export function copyEntity<T extends ObjectLiteral>(metadata: EntityMetadata, entity: T): T {
  const copy = Object.create(Object.getPrototypeOf(entity)) as T;
  for (const column of metadata.columns) {
    if (column.relationMetadata && column.propertyName === column.relationMetadata.propertyName) continue;
    const value = column.getEntityValue(entity);
    if (value !== undefined) column.setEntityValue(copy, cloneValue(value));
  }
  for (const relation of metadata.relations) {
    const value = relation.getEntityValue(entity);
    if (value !== undefined) relation.setEntityValue(copy, Array.isArray(value) ? [...value] : value);
  }
  return copy;
}

/**
 * Deep copy that keeps each object's prototype. Not structuredClone: it turns
 * class instances into plain objects (and under jest/vm returns another realm's
 * objects), and TypeORM's deepCompare treats a different constructor as a
 * change, so every json/array value would be written again.
 */
function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, cloneValue(v)]));
  if (value instanceof Set) return new Set([...value].map(cloneValue));
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) copy[k] = cloneValue(v);
  return copy;
}
