import type { EntityMetadata } from "typeorm";

/**
 * `build` runs once per entity; its result is kept as long as the entity's
 * metadata lives (a WeakMap: a destroyed DataSource's compiled code goes with
 * it). Every compiled function is cached this way.
 */
export function perEntity<T>(build: (metadata: EntityMetadata) => T): (metadata: EntityMetadata) => T {
  const cache = new WeakMap<EntityMetadata, T>();
  return (metadata) => {
    let built = cache.get(metadata);
    if (built === undefined) cache.set(metadata, (built = build(metadata)));
    return built;
  };
}

/** `build` runs once per entity and key of `arg` (a statement's SQL, an alias, a column list; by default `arg` itself). */
export function perEntityAnd<A, T>(
  build: (metadata: EntityMetadata, arg: A) => T,
  keyOf: (arg: A) => unknown = (arg) => arg,
): (metadata: EntityMetadata, arg: A) => T {
  const byEntity = perEntity(() => new Map<unknown, T>());
  return (metadata, arg) => {
    const cache = byEntity(metadata);
    const key = keyOf(arg);
    let built = cache.get(key);
    if (built === undefined) cache.set(key, (built = build(metadata, arg)));
    return built;
  };
}
