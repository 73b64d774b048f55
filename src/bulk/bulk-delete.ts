import type { EntityManager, ObjectLiteral } from "typeorm";
import { arrayLiteral } from "./array-literal";
import { codecFor, quotedTable } from "./column-codec";
import { readerFor } from "./column-value";
import { afterRemove, beforeRemove } from "./events";
import type { KeyBounds } from "./key-range";
import { boundingRange } from "./key-span";
import { removalRows, type RemovalRow } from "./removal-states";
import { assertSameClass, assertUniqueKeys, keyOf, metadataOf } from "./rows";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";

export interface BulkDeleteOptions {
  /** Inclusive primary-key range the rows lie in; bounds the scan (the runner passes its chunk's range; composite bounds as arrays). */
  keyRange?: KeyBounds;
}

export interface BulkDeleteResult<T> {
  /** Rows deleted (a row already gone is not counted, and fires no afterRemove). */
  deleted: number;
  /** The entities whose rows were deleted, in the caller's order. */
  removed: T[];
  /** Each deleted entity with its database row as it was (its before-image). */
  rows: RemovalRow<T>[];
}

/**
 * Deletes the rows of `entities` (by primary key) with ONE
 * `DELETE … USING unnest(…)`, firing beforeRemove/afterRemove through
 * TypeORM's broadcaster as remove() does (`entity`, `databaseEntity` and the
 * removed row's `entityId`; the entities lose their keys, as remove() leaves them).
 */
export function bulkDelete<T extends ObjectLiteral>(manager: EntityManager, entities: T[], options: BulkDeleteOptions = {}): Promise<BulkDeleteResult<T>> {
  return deleteLoaded(manager, entities, undefined, options);
}

/** bulkDelete with each entity's state as loaded given beside it (`loaded[i]`), as the runner has them. */
export async function deleteLoaded<T extends ObjectLiteral>(
  manager: EntityManager,
  entities: T[],
  loaded: (T | undefined)[] | undefined,
  options: BulkDeleteOptions = {},
): Promise<BulkDeleteResult<T>> {
  if (!entities.length) return { deleted: 0, removed: [], rows: [] };
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  assertUniqueKeys(metadata, entities);
  const keys = metadata.primaryColumns;
  return inTransaction(manager, async (qr, txManager) => {
    // As remove(): the database row stays whole in the events; the entity loses its key once the row is gone.
    const rows = await removalRows(txManager, metadata, entities, loaded);
    await beforeRemove(qr, metadata, rows);
    const codecs = keys.map(codecFor);
    const aliases = codecs.map((c) => c.name);
    const table = quotedTable(metadata);
    const range = boundingRange(metadata, rows.map((r) => r.databaseEntity), options.keyRange);
    // Keys come from the database rows: a before-listener may not move a row to another key.
    const params: unknown[] = keys.map((column) => arrayLiteral(rows.map((r) => codecFor(column).encode(readerFor(column)(r.databaseEntity)))));
    const where = codecs.map((c) => `t.${c.name} = ${c.read("v")}`);
    if (range) where.push(range.sqlCondition("t", params));
    const statement = {
      sql:
        `DELETE FROM ${table} AS t USING unnest(${codecs.map((c, i) => `$${i + 1}::${c.paramType}`).join(", ")}) AS v(${aliases.join(", ")}) ` +
        `WHERE ${where.join(" AND ")} RETURNING ${codecs.map((c) => `t.${c.name}`).join(", ")}`,
      table,
      params: codecs.map((codec) => ({ codec, role: "key" as const })),
    };
    const returned = await runStatement(qr, statement, params);
    const gone = new Set(returned.map((row) => keyOf(metadata, row, true)));
    const deleted = rows.filter((r) => gone.has(keyOf(metadata, r.databaseEntity)));
    for (const { entity } of deleted) for (const key of keys) key.setEntityValue(entity, undefined);
    await afterRemove(qr, metadata, deleted);
    return { deleted: deleted.length, removed: deleted.map((r) => r.entity), rows: deleted };
  });
}
