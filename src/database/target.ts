import { resolve } from "node:path";
import type { DataSource } from "typeorm";
import { UsageError } from "../errors";
import type { ConnectionOverride } from "../messages";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { loadDataSource } from "./load-data-source";
import { configuresDatabase, postgresOptions } from "./postgres-options";

/**
 * The app's DataSource and the database it runs against. That is the one its
 * options name; only when they name none at all (no url, host or socket) is it
 * the embedded PostgreSQL, a development default that never starts under CI
 * unless asked for with --embedded: a deploy job that lost its database
 * secret must fail, not run every script against an empty database.
 */
export interface Target {
  dataSource: DataSource;
  /** Set when the runner chose the database: workers connect there too. */
  connection?: ConnectionOverride;
  /** Stops what this target started (the embedded server). */
  release(): Promise<void>;
}

export interface TargetRequest {
  dataSource: string;
  cwd: string;
  embedded: boolean;
  /** A database already chosen by an enclosing call (run --pending starts the embedded server once). */
  connection?: ConnectionOverride;
  log: (line: string) => void;
}

/** Folder of the embedded server's data, relative to the working directory. */
export const EMBEDDED_DATA_DIR = ".data/postgres";

export async function openTarget(request: TargetRequest): Promise<Target> {
  const dataSource = loadDataSource(resolve(request.cwd, request.dataSource), request.dataSource);
  if (request.connection) {
    dataSource.setOptions({ url: request.connection.url } as never);
    return { dataSource, connection: request.connection, release: async () => undefined };
  }
  if (configuresDatabase(postgresOptions(dataSource))) return { dataSource, release: async () => undefined };
  if (process.env.CI && !request.embedded) {
    throw new UsageError(
      `no database configured: the DataSource in ${request.dataSource} names no url, host or socket, and under CI ` +
        `(CI is set) the embedded development database is not started. Configure the data source — for the demo app ` +
        `and most apps, set DATABASE_URL — or pass --embedded to run on a throwaway embedded PostgreSQL`,
    );
  }
  const dir = process.env.DATA_SCRIPT_EMBEDDED_DIR ?? resolve(request.cwd, EMBEDDED_DATA_DIR);
  const embedded = await startEmbeddedPostgres(dir, (line) =>
    request.log(`no database configured in ${request.dataSource}: ${line} (a development default; configure the data source for a real one)`),
  );
  const connection = { url: embedded.url };
  dataSource.setOptions({ url: connection.url } as never);
  return { dataSource, connection, release: () => embedded.stop().catch(() => undefined) };
}
