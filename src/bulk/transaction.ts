import type { EntityManager, QueryRunner } from "typeorm";

/**
 * Runs `work` inside a transaction: the caller's when its manager already has
 * one, a new one otherwise (the same rule as save()).
 */
export async function inTransaction<R>(
  manager: EntityManager,
  work: (queryRunner: QueryRunner, manager: EntityManager) => Promise<R>,
): Promise<R> {
  const runner = manager.queryRunner;
  if (runner?.isTransactionActive) return work(runner, manager);
  return manager.transaction((txManager) => work(txManager.queryRunner!, txManager));
}
