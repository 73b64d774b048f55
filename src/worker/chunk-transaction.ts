import type { DataSource, EntityManager, QueryRunner } from "typeorm";

/**
 * Runs `work` in a transaction on its own connection, with a time limit. When
 * the limit passes (a `mutate` that never resolves), the connection is thrown
 * away rather than returned to the pool: the server rolls the transaction back
 * and no connection stays stuck in it.
 */
export async function inChunkTransaction<R>(
  dataSource: DataSource,
  timeoutMs: number,
  timeoutMessage: () => string,
  work: (manager: EntityManager) => Promise<R>,
): Promise<R> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const body = (async () => {
    await runner.startTransaction();
    try {
      const result = await work(runner.manager);
      if (timedOut) throw new Error(timeoutMessage());
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive && !timedOut) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  })();
  const limit = new Promise<never>((_, reject) => {
    if (!timeoutMs) return;
    timer = setTimeout(() => {
      timedOut = true;
      reject(Object.assign(new Error(timeoutMessage()), { code: "CHUNK_TIMEOUT" }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([body, limit]);
  } finally {
    clearTimeout(timer);
    body.catch(() => undefined);
    if (timedOut) await discardConnection(runner);
    else await runner.release();
  }
}

/**
 * PostgresQueryRunner.releasePostgresConnection(err) (TypeORM 1.1.1, pinned):
 * releasing with an error makes pg-pool close the client instead of reusing it.
 */
async function discardConnection(runner: QueryRunner): Promise<void> {
  const release = (runner as unknown as { releasePostgresConnection?: (err: Error) => Promise<void> }).releasePostgresConnection;
  if (release) await release.call(runner, new Error("chunk timed out")).catch(() => undefined);
  else await runner.release().catch(() => undefined);
}
