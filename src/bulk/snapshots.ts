import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { scalarColumnsOf } from "./fast-diff";

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
  if (isFlat(metadata)) return copyFlat(entity);
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

const flat = new WeakMap<EntityMetadata, boolean>();

/** Every column is an own scalar (or Date) property: no embeddeds, relations or structured types. */
function isFlat(metadata: EntityMetadata): boolean {
  let answer = flat.get(metadata);
  if (answer === undefined) {
    answer = metadata.embeddeds.length === 0 && metadata.relations.length === 0 && scalarColumnsOf(metadata) !== null;
    flat.set(metadata, answer);
  }
  return answer;
}

// The hot path for plain entities: one shallow copy, Dates cloned (the only mutable values such columns hold).
function copyFlat<T extends ObjectLiteral>(entity: T): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(entity)), entity) as Record<string, unknown>;
  for (const key in copy) {
    const value = copy[key];
    if (value instanceof Date) copy[key] = new Date(value.getTime());
  }
  return copy as T;
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
