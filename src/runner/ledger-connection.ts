import { Client, type ClientConfig } from "pg";
import type { DataSource } from "typeorm";
import type { PostgresDataSourceOptions as PostgresConnectionOptions } from "typeorm/driver/postgres/PostgresDataSourceOptions";
import { sqlFromClient, type Sql } from "../ledger/sql-client";

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The parent's own connection: it holds the script's advisory lock and writes
 * the run's ledger rows while the DataSource is closed and the workers write.
 */
export async function openLedgerConnection(dataSource: DataSource): Promise<{ sql: Sql; close: () => Promise<void> }> {
  const options = dataSource.options as PostgresConnectionOptions;
  const config: ClientConfig = {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: typeof options.password === "string" ? options.password : undefined,
    database: options.database,
    ssl: options.ssl as ClientConfig["ssl"],
    connectionTimeoutMillis: options.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: "data-script",
  };
  const client = new Client(config);
  // A dropped ledger connection must not crash the process with an unhandled 'error'.
  client.on("error", () => undefined);
  await client.connect();
  return { sql: sqlFromClient(client), close: () => client.end() };
}
