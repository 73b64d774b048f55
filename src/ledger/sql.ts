import type { Client } from "pg";
import type { EntityManager } from "typeorm";

/** The one thing the ledger needs from a connection: run SQL, get rows. */
export type Sql = <R = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

export function sqlFromClient(client: Client): Sql {
  return async (text, params) => (await client.query(text, params as unknown[])).rows;
}

export function sqlFromManager(manager: EntityManager): Sql {
  return async (text, params) => {
    const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
    try {
      return (await runner.query(text, params as unknown[], true)).records;
    } finally {
      if (!manager.queryRunner) await runner.release();
    }
  };
}
