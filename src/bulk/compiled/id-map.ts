import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { isOwnColumn } from "./column-access";
import { compileFunction, identifier, prop } from "./compile-function";

/** metadata.getEntityIdMap(entity): the entity's primary key as an object, e.g. `{ id: 7 }`; undefined while a part is missing. */
export type IdMap = (entity: ObjectLiteral) => ObjectLiteral | undefined;

const cache = new WeakMap<EntityMetadata, IdMap>();

/**
 * Compiled for the usual key, one own column: `{ id: entity.id }` for a
 * primitive value (what getEntityIdMap's merge of the column's value map
 * builds), TypeORM's own method for any other key or value.
 */
export function idMapFor(metadata: EntityMetadata): IdMap {
  let idMap = cache.get(metadata);
  if (!idMap) {
    const [key, ...more] = metadata.primaryColumns;
    if (!key || more.length || !isOwnColumn(key)) {
      idMap = (entity) => metadata.getEntityIdMap(entity);
    } else {
      const read = `entity${prop(key.propertyName)}`;
      idMap = compileFunction<IdMap>(
        new Map<string, unknown>([["metadata", metadata]]),
        `return function idMap${identifier(metadata.name)}(entity) {\n` +
          `  const v = ${read};\n` +
          `  if (v === undefined) return undefined;\n` +
          `  if (v === null || (typeof v !== "object" && typeof v !== "function")) return { ${JSON.stringify(key.propertyName)}: v };\n` +
          `  return metadata.getEntityIdMap(entity);\n` +
          `}`,
      );
    }
    cache.set(metadata, idMap);
  }
  return idMap;
}
