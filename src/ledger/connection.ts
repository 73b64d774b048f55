import { Client } from "pg";
import { clientConfig, type PostgresOptions } from "../database/postgres-options";
import { sqlFromClient, type Sql } from "./sql";

export interface LedgerConnection {
  sql: Sql;
  close(): Promise<void>;
}

/**
 * The parent's own connection: it holds the script's advisory lock and writes
 * the run's ledger rows while the DataSource is closed and the workers write.
 */
export async function openLedgerConnection(options: PostgresOptions, applicationName: string): Promise<LedgerConnection> {
  const client = new Client(clientConfig(options, applicationName));
  // A dropped ledger connection must not crash the process with an unhandled 'error'.
  client.on("error", () => undefined);
  await client.connect();
  return { sql: sqlFromClient(client), close: () => client.end() };
}
