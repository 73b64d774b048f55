import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { codecFor } from "./column-codec";
import { keyOf } from "./rows";

/** Loads the current rows for `entities` by primary key, in one SELECT, keyed by keyOf(). */
export async function loadByKeys<T extends ObjectLiteral>(
  manager: EntityManager,
  metadata: EntityMetadata,
  entities: T[],
): Promise<Map<string, T>> {
  const qb = manager.createQueryBuilder<T>(metadata.target as never, "e");
  const keys = metadata.primaryColumns;
  const params: Record<string, unknown> = {};
  const lists = keys.map((column, i) => {
    const codec = codecFor(column);
    params[`k${i}`] = entities.map((e) => codec.encode(column.getEntityValue(e)));
    return `CAST(:k${i} AS ${codec.paramType})`;
  });
  if (keys.length === 1) {
    qb.where(`e.${keys[0].propertyPath} = ANY(${lists[0]})`, params);
  } else {
    const tuple = keys.map((c) => `e.${c.propertyPath}`).join(", ");
    qb.where(`(${tuple}) IN (SELECT * FROM unnest(${lists.join(", ")}))`, params);
  }
  const rows = await qb.getMany();
  return new Map(rows.map((row) => [keyOf(metadata, row), row]));
}
