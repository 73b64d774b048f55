import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { arrayLiteral } from "./array-literal";
import { codecFor } from "./column-codec";
import { BulkWriteError } from "./errors";
import { unquotableNames } from "./quotable";
import { hasKeyReader, keyReader } from "./rows";
import { readerFor } from "./column-value";
import { getEntities } from "./load-entities";

/** Loads the current rows for `entities` by primary key, in one SELECT, keyed by keyOf(). */
export function loadByKeys<T extends ObjectLiteral>(manager: EntityManager, metadata: EntityMetadata, entities: T[], options: LoadOptions = {}): Promise<Map<string, T>> {
  return loadByColumns(manager, metadata, metadata.primaryColumns, entities, options);
}

export interface LoadOptions {
  /** Lock the rows FOR UPDATE, in key order. */
  lock?: boolean;
  /** Soft-removed rows too (a revert restoring a soft-removal reads the row it soft-removed). */
  withDeleted?: boolean;
}

/**
 * Loads the rows matching `entities` on `columns` (a primary or unique key) in
 * one SELECT, keyed by keyOf(…, columns). Relation ids of ManyToOne/owner
 * OneToOne relations are loaded too, as save() loads them, so a relation
 * compares by id. With `lock`, the rows are locked FOR UPDATE in key order
 * (one order for every writer, so two writers cannot deadlock on them).
 */
export async function loadByColumns<T extends ObjectLiteral>(
  manager: EntityManager,
  metadata: EntityMetadata,
  columns: ColumnMetadata[],
  entities: T[],
  options: LoadOptions = {},
): Promise<Map<string, T>> {
  const unquotable = unquotableNames(metadata);
  if (unquotable) throw new BulkWriteError(unquotable);
  // A key with a NULL part matches no row (NULLs are never equal).
  const keyed = entities.filter(hasKeyReader(columns));
  if (!keyed.length) return new Map();
  const qb = manager.createQueryBuilder<T>(metadata.target as never, "e");
  const params: Record<string, unknown> = {};
  const lists = columns.map((column, i) => {
    const codec = codecFor(column);
    const read = readerFor(column);
    params[`k${i}`] = arrayLiteral(keyed.map((e) => codec.encode(read(e))));
    return `CAST(:k${i} AS ${codec.paramType})`;
  });
  if (columns.length === 1 && columns[0].isPrimary) {
    qb.where(`e.${columns[0].propertyPath} = ANY(${lists[0]})`, params);
  } else {
    // Not `= ANY(…)` for a unique key: PostgreSQL plans that as a scan of the whole table once the
    // keys are ~1% of it, so chunked upserts turn quadratic; a join on unnest probes the index per key.
    const tuple = columns.map((c) => `e.${c.propertyPath}`).join(", ");
    qb.where(`(${tuple}) IN (SELECT * FROM unnest(${lists.join(", ")}))`, params);
  }
  const relations = metadata.relationsWithJoinColumns.map((r) => r.propertyPath);
  if (relations.length) qb.loadAllRelationIds({ relations, disableMixedMap: true });
  if (options.withDeleted) qb.withDeleted();
  if (options.lock) {
    columns.forEach((c, i) => (i ? qb.addOrderBy(`e.${c.propertyPath}`) : qb.orderBy(`e.${c.propertyPath}`)));
    qb.setLock("pessimistic_write");
  }
  const rows = await getEntities(qb);
  const key = keyReader(metadata, columns);
  return new Map(rows.map((row) => [key(row), row]));
}
