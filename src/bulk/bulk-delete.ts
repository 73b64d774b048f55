import type { EntityManager, ObjectLiteral } from "typeorm";
import { arrayLiteral } from "./array-literal";
import { codecFor, quotedTable } from "./column-codec";
import { readerFor } from "./column-value";
import { afterRemove, beforeRemove } from "./events";
import { assertSameClass, keyOf, metadataOf } from "./rows";
import { snapshotterFor } from "./compiled/snapshotter";
import { loadedState } from "./snapshots";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";

export interface BulkDeleteResult<T> {
  /** Rows deleted (a row already gone is not counted, and fires no afterRemove). */
  deleted: number;
  /** The entities whose rows were deleted, in the caller's order. */
  removed: T[];
}

/**
 * Deletes the rows of `entities` (by primary key) with ONE
 * `DELETE … USING unnest(…)`, firing beforeRemove/afterRemove through
 * TypeORM's broadcaster as remove() does (`entity`, `databaseEntity` and the
 * removed row's `entityId`; the entities lose their keys, as remove() leaves them).
 */
export async function bulkDelete<T extends ObjectLiteral>(manager: EntityManager, entities: T[]): Promise<BulkDeleteResult<T>> {
  if (!entities.length) return { deleted: 0, removed: [] };
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  const keys = metadata.primaryColumns;
  return inTransaction(manager, async (qr) => {
    // As remove(): the database row stays whole in the events; the entity loses its key once the row is gone.
    const rowsOf = new Map(entities.map((entity) => [entity, { entity, databaseEntity: loadedState(entity) ?? snapshotterFor(metadata)(entity) }]));
    await beforeRemove(qr, metadata, [...rowsOf.values()]);
    const codecs = keys.map(codecFor);
    const aliases = codecs.map((c) => c.name);
    const table = quotedTable(metadata);
    const statement = {
      sql:
        `DELETE FROM ${table} AS t USING unnest(${codecs.map((c, i) => `$${i + 1}::${c.paramType}`).join(", ")}) AS v(${aliases.join(", ")}) ` +
        `WHERE ${codecs.map((c) => `t.${c.name} = ${c.read("v")}`).join(" AND ")} RETURNING ${codecs.map((c) => `t.${c.name}`).join(", ")}`,
      table,
      params: codecs.map((codec) => ({ codec, role: "key" as const })),
    };
    const params = keys.map((column) => arrayLiteral(entities.map((e) => codecFor(column).encode(readerFor(column)(e)))));
    const rows = await runStatement(qr, statement, params);
    const gone = new Set(rows.map((row) => keyOf(metadata, row, true)));
    const removed = entities.filter((e) => gone.has(keyOf(metadata, e)));
    for (const entity of removed) for (const key of keys) key.setEntityValue(entity, undefined);
    await afterRemove(qr, metadata, removed.map((e) => rowsOf.get(e)!));
    return { deleted: removed.length, removed };
  });
}
