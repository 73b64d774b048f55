import type { EntityMetadata, ObjectLiteral, QueryRunner, SelectQueryBuilder } from "typeorm";
import { hydratorFor, type Hydrator } from "./compiled/hydrator";

/**
 * `qb.getMany()` for the queries the writers and the runner load their rows
 * with: the whole entity (or some of its columns, `alias.property` each), no joins. Those rows are hydrated by the entity's
 * compiled hydrator instead of TypeORM's RawSqlResultsToEntityTransformer, and
 * afterLoad listeners and subscribers fire through TypeORM's broadcaster as
 * getMany() fires them. Any other query (a script's `where` that joins or
 * selects, a view, single-table inheritance, a cache, relation ids) is left to
 * getMany() itself.
 */
export async function getEntities<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, query: (qb: SelectQueryBuilder<T>) => [string, unknown[]] = builtQuery): Promise<T[]> {
  const compiled = compiledLoad(qb);
  if (!compiled) return qb.getMany();
  const { queryRunner, hydrate } = compiled;
  const [sql, parameters] = query(qb);
  const rows: ObjectLiteral[] = (await queryRunner.query(sql, parameters, true)).records;
  const entities: T[] = [];
  for (let i = 0; i < rows.length; i++) {
    const entity = hydrate(rows[i], queryRunner);
    if (entity !== undefined) entities.push(entity as T);
  }
  if (entities.length && qb.expressionMap.callListeners) {
    await queryRunner.broadcaster.broadcast("Load", qb.expressionMap.mainAlias!.metadata, entities);
  }
  return entities;
}

function builtQuery<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): [string, unknown[]] {
  return qb.getQueryAndParameters();
}

interface CompiledLoad {
  queryRunner: QueryRunner;
  hydrate: Hydrator;
}

/** The query runner and hydrator when `qb` is a query the compiled hydrator reproduces exactly; undefined otherwise. */
function compiledLoad<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): CompiledLoad | undefined {
  const map = qb.expressionMap as typeof qb.expressionMap & { relationCountAttributes?: unknown[]; options?: string[] };
  const queryRunner = (qb as unknown as { queryRunner?: QueryRunner }).queryRunner;
  const alias = map.mainAlias;
  if (!queryRunner || queryRunner.isReleased || !alias?.hasMetadata) return undefined;
  const metadata = alias.metadata;
  const plain =
    metadata.tableType === "regular" &&
    !metadata.treeType &&
    !metadata.discriminatorColumn &&
    !metadata.childEntityMetadatas.length &&
    selectsColumnsOnly(map.selects, alias.name, metadata) &&
    !map.joinAttributes.length &&
    !map.relationIdAttributes.length &&
    !map.relationCountAttributes?.length &&
    !(qb as unknown as { relationMetadatas?: unknown[] }).relationMetadatas?.length &&
    !map.options?.includes("create-pojo") &&
    !map.useTransaction &&
    !map.cache &&
    !qb.connection.queryResultCache &&
    // getMany() refuses these (optimistic locks; pessimistic ones outside a transaction): let it say so.
    map.lockMode !== "optimistic" &&
    (!map.lockMode || queryRunner.isTransactionActive);
  return plain ? { queryRunner, hydrate: hydratorFor(metadata, alias.name) } : undefined;
}

/** `select(alias)`, or `select(["alias.column", …])` of the entity's own columns: what the hydrator reproduces (it sets the columns a row has). */
function selectsColumnsOnly(selects: { selection: string; aliasName?: string }[], alias: string, metadata: EntityMetadata): boolean {
  if (selects.length === 1 && selects[0].selection === alias) return true;
  const prefix = `${alias}.`;
  return (
    selects.length > 0 &&
    selects.every((s) => !s.aliasName && s.selection.startsWith(prefix) && metadata.findColumnWithPropertyPath(s.selection.slice(prefix.length)) !== undefined)
  );
}
