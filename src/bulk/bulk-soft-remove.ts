import type { EntityManager, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { arrayLiteral } from "./array-literal";
import { codecFor, quotedTable } from "./column-codec";
import { readerFor } from "./column-value";
import { applyReturnedFor } from "./compiled/returned-values";
import { BulkWriteError } from "./errors";
import { afterSoftRemove, beforeSoftRemove } from "./events";
import type { KeyBounds } from "./key-range";
import { boundingRange } from "./key-span";
import { removalRows, type RemovalRow } from "./removal-states";
import { assertSameClass, assertUniqueKeys, keyReader, metadataOf } from "./rows";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";

export interface BulkSoftRemoveResult<T> {
  /** Rows soft-removed (a row already soft-removed, or gone, is not counted and fires no afterSoftRemove). */
  softRemoved: number;
  /** Each soft-removed entity (its delete date, update date and version as written) with its database row before. */
  rows: RemovalRow<T>[];
}

/**
 * Soft-removes the rows of `entities` with ONE `UPDATE … SET <deleteDate> =
 * CURRENT_TIMESTAMP FROM unnest(…)`, as softRemove() does (the update date set,
 * the version incremented, rows already soft-removed left alone), firing
 * beforeSoftRemove/afterSoftRemove through TypeORM's broadcaster with `entity`,
 * `databaseEntity` and `entityId`; the values written come back into the entities.
 */
export function bulkSoftRemove<T extends ObjectLiteral>(manager: EntityManager, entities: T[], options: { keyRange?: KeyBounds } = {}): Promise<BulkSoftRemoveResult<T>> {
  return softRemoveLoaded(manager, entities, undefined, options);
}

export async function softRemoveLoaded<T extends ObjectLiteral>(
  manager: EntityManager,
  entities: T[],
  loaded: (T | undefined)[] | undefined,
  options: { keyRange?: KeyBounds } = {},
): Promise<BulkSoftRemoveResult<T>> {
  if (!entities.length) return { softRemoved: 0, rows: [] };
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  assertUniqueKeys(metadata, entities);
  const deleteDate = metadata.deleteDateColumn;
  if (!deleteDate) throw new BulkWriteError(`${metadata.name} has no @DeleteDateColumn: it cannot be soft-removed`);
  return inTransaction(manager, async (qr, txManager) => {
    const rows = await removalRows(txManager, metadata, entities, loaded);
    await beforeSoftRemove(qr, metadata, rows);
    const keys = metadata.primaryColumns.map(codecFor);
    const q = (c: ColumnMetadata) => codecFor(c).name;
    const sets = [`${q(deleteDate)} = CURRENT_TIMESTAMP`];
    if (metadata.updateDateColumn) sets.push(`${q(metadata.updateDateColumn)} = CURRENT_TIMESTAMP`);
    if (metadata.versionColumn) sets.push(`${q(metadata.versionColumn)} = t.${q(metadata.versionColumn)} + 1`);
    const returning: ColumnMetadata[] = [...metadata.primaryColumns, deleteDate];
    if (metadata.updateDateColumn) returning.push(metadata.updateDateColumn);
    if (metadata.versionColumn) returning.push(metadata.versionColumn);
    const range = boundingRange(metadata, rows.map((r) => r.databaseEntity), options.keyRange);
    const params: unknown[] = metadata.primaryColumns.map((column) => arrayLiteral(rows.map((r) => codecFor(column).encode(readerFor(column)(r.databaseEntity)))));
    const where = [...keys.map((k) => `t.${k.name} = ${k.read("v")}`), `t.${q(deleteDate)} IS NULL`];
    if (range) where.push(range.sqlCondition("t", params));
    const table = quotedTable(metadata);
    const statement = {
      sql:
        `UPDATE ${table} AS t SET ${sets.join(", ")} FROM unnest(${keys.map((k, i) => `$${i + 1}::${k.paramType}`).join(", ")}) AS v(${keys.map((k) => k.name).join(", ")}) ` +
        `WHERE ${where.join(" AND ")} RETURNING ${returning.map((c) => `t.${q(c)}`).join(", ")}`,
      table,
      params: keys.map((codec) => ({ codec, role: "key" as const })),
    };
    const returned = await runStatement(qr, statement, params);
    const byKey = new Map(returned.map((row) => [keyReader(metadata, metadata.primaryColumns, true)(row), row]));
    const keyOfRow = keyReader(metadata);
    const apply = applyReturnedFor(metadata, returning);
    const removed = rows.filter((r) => byKey.has(keyOfRow(r.databaseEntity)));
    for (const r of removed) apply(r.entity, byKey.get(keyOfRow(r.databaseEntity))!);
    await afterSoftRemove(qr, metadata, removed);
    return { softRemoved: removed.length, rows: removed };
  });
}
