import type { DataSource } from "typeorm";
import type { PostgresDataSourceOptions as PostgresConnectionOptions } from "typeorm/driver/postgres/PostgresDataSourceOptions";
import { redactSecrets } from "./redact";
import { UsageError } from "./usage-error";

/** Initialises the DataSource, turning "cannot connect" into a clear, secret-free usage error (exit 2). */
export async function connectDataSource(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) return;
  try {
    await dataSource.initialize();
  } catch (error) {
    const options = dataSource.options as PostgresConnectionOptions;
    const target = options.url ? redactSecrets(options.url) : `${options.host ?? "localhost"}:${options.port ?? 5432}/${options.database ?? ""}`;
    throw new UsageError(`cannot connect to the database at ${target}: ${redactSecrets((error as Error).message)}`, { cause: error });
  }
}
