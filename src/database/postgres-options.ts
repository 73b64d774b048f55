import type { ClientConfig } from "pg";
import type { DataSource } from "typeorm";

/**
 * The part of a PostgreSQL data source's options the runner reads. Its own
 * type: TypeORM names and places this interface differently in 0.3
 * (PostgresConnectionOptions) and 1.x (PostgresDataSourceOptions).
 */
export interface PostgresOptions {
  type: string;
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string | (() => string) | (() => Promise<string>);
  database?: string;
  ssl?: unknown;
  connectTimeoutMS?: number;
  replication?: { master?: { url?: string; host?: string } };
  extra?: { connectionString?: string; host?: string };
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function postgresOptions(dataSource: DataSource): PostgresOptions {
  return dataSource.options as unknown as PostgresOptions;
}

/** node-pg's settings for a connection of the runner's own (the ledger's), to the data source's database. */
export function clientConfig(options: PostgresOptions, applicationName: string): ClientConfig {
  return {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: typeof options.password === "string" ? options.password : undefined,
    database: options.database,
    ssl: options.ssl as ClientConfig["ssl"],
    connectionTimeoutMillis: options.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: applicationName,
  };
}

/**
 * Whether the data source says where its database is: a URL, a host or socket
 * (its own, its replication primary's, or node-pg's `extra`), or PGHOST in the
 * environment, which node-pg reads when the options name no host.
 */
export function configuresDatabase(options: PostgresOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  const master = options.replication?.master;
  return Boolean(
    options.url || options.host || master?.url || master?.host || options.extra?.connectionString || options.extra?.host || env.PGHOST,
  );
}

/** Where the data source connects, never with its password: `postgres://app@db.internal:5432/shop`. */
export function describeTarget(options: PostgresOptions): string {
  if (options.url) {
    try {
      const url = new URL(options.url);
      return `${url.protocol}//${url.username ? `${url.username}@` : ""}${url.host}${url.pathname}`;
    } catch {
      return "its URL (not shown: it is not a valid URL)";
    }
  }
  const user = options.username ? `${options.username}@` : "";
  return `${user}${options.host ?? "localhost"}:${options.port ?? 5432}/${options.database ?? ""}`;
}
