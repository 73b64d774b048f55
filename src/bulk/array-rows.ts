import { QueryFailedError, type QueryRunner } from "typeorm";
import { BroadcasterResult } from "typeorm/subscriber/BroadcasterResult";

/** A result in node-pg's `rowMode: "array"`: each row's values by position, named by `fields`. */
export interface ArrayRows {
  fields: { name: string }[];
  rows: unknown[][];
}

interface PgClient {
  query(config: { text: string; values: unknown[]; rowMode: "array" }): Promise<ArrayRows>;
}

/**
 * queryRunner.query(sql, parameters) with the rows as arrays (node-pg builds no object per row),
 * keeping what the query runner does around the statement as PostgresQueryRunner.query does it:
 * the logger's logQuery / logQuerySlow (maxQueryExecutionTime) / logQueryError, the
 * BeforeQuery / AfterQuery broadcasts, and a failure thrown as QueryFailedError. Undefined when
 * that cannot be kept (not a PostgreSQL query runner, or a subscriber's afterQuery, which would
 * see arrays): the caller uses queryRunner.query.
 */
export async function queryArrayRows(queryRunner: QueryRunner, sql: string, parameters: unknown[]): Promise<ArrayRows | undefined> {
  const connection = queryRunner.connection;
  if (connection.driver.options.type !== "postgres" || connection.subscribers.some((s) => typeof s.afterQuery === "function")) return undefined;
  const client = (await queryRunner.connect()) as PgClient;
  if (typeof client?.query !== "function") return undefined;
  const logger = connection.logger;
  logger.logQuery(sql, parameters, queryRunner);
  await queryRunner.broadcaster.broadcast("BeforeQuery", sql, parameters);
  const broadcast = new BroadcasterResult();
  try {
    const started = Date.now();
    const raw = await client.query({ text: sql, values: parameters, rowMode: "array" });
    const ms = Date.now() - started;
    queryRunner.broadcaster.broadcastAfterQueryEvent(broadcast, sql, parameters, true, ms, raw, undefined);
    const slow = (connection.driver.options as { maxQueryExecutionTime?: number }).maxQueryExecutionTime;
    if (slow && ms > slow) logger.logQuerySlow(ms, sql, parameters, queryRunner);
    return raw;
  } catch (error) {
    logger.logQueryError(error as Error, sql, parameters, queryRunner);
    queryRunner.broadcaster.broadcastAfterQueryEvent(broadcast, sql, parameters, false, undefined, undefined, error);
    throw new QueryFailedError(sql, parameters, error as Error);
  } finally {
    await broadcast.wait();
  }
}
