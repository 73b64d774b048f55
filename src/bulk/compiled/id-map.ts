import type { ObjectLiteral } from "typeorm";
import { isOwnColumn } from "./column-access";
import { compileFunction, identifier, prop } from "./compile-function";
import { perEntity } from "./per-entity";

/** metadata.getEntityIdMap(entity): the entity's primary key as an object, e.g. `{ id: 7 }`; undefined while a part is missing. */
export type IdMap = (entity: ObjectLiteral) => ObjectLiteral | undefined;

/**
 * Compiled for the usual key, one own column: `{ id: entity.id }` for a
 * primitive value (what getEntityIdMap's merge of the column's value map
 * builds), TypeORM's own method for any other key or value.
 */
export const idMapFor = perEntity((metadata): IdMap => {
  const [key, ...more] = metadata.primaryColumns;
  if (!key || more.length || !isOwnColumn(key)) return (entity) => metadata.getEntityIdMap(entity);
  const read = `entity${prop(key.propertyName)}`;
  return compileFunction<IdMap>(
    new Map<string, unknown>([["metadata", metadata]]),
    `return function idMap${identifier(metadata.name)}(entity) {\n` +
      `  const v = ${read};\n` +
      `  if (v === undefined) return undefined;\n` +
      `  if (v === null || (typeof v !== "object" && typeof v !== "function")) return { ${JSON.stringify(key.propertyName)}: v };\n` +
      `  return metadata.getEntityIdMap(entity);\n` +
      `}`,
  );
});
