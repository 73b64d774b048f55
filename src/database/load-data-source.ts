import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { DataSource } from "typeorm";
import { InstanceChecker } from "typeorm/util/InstanceChecker";
import { UsageError } from "../errors";
import { loadErrorMessage } from "../typescript/load-error";
import { registerTypeScript } from "../typescript/register";
import { DEFAULT_CONNECT_TIMEOUT_MS } from "./postgres-options";
import { redactSecrets } from "./redact";

/**
 * Loads the DataSource a data-source file exports, as TypeORM's own CLI takes
 * it: the default export or any named one (`dataSource`, `AppDataSource`…),
 * exactly one DataSource. `shownAs` is how messages name the file.
 */
export function loadDataSource(file: string, shownAs = file): DataSource {
  const path = resolve(file);
  file = shownAs;
  if (!existsSync(path)) throw new UsageError(`data source file not found: ${file} (pass -d/--data-source <file>)`);
  registerTypeScript();
  let mod: Record<string, unknown>;
  try {
    mod = require(path);
  } catch (error) {
    if ((error as Error)?.name === "DriverPackageNotInstalledError") {
      // TypeORM builds the driver in the DataSource's constructor, so another database fails here.
      throw new UsageError(
        `${file} uses a database driver that is not installed (${(error as Error).message}); ` +
          `data-script runs on PostgreSQL only (type: "postgres", driver package pg)`,
        { cause: error },
      );
    }
    throw new UsageError(`cannot load data source file ${file}: ${redactSecrets(loadErrorMessage(error))}`, { cause: error });
  }
  const found = new Set([mod, ...Object.values(mod ?? {})].filter((c) => c && InstanceChecker.isDataSource(c)) as DataSource[]);
  if (found.size > 1) throw new UsageError(`${file} exports ${found.size} DataSources; export exactly one (as TypeORM's CLI requires)`);
  const [dataSource] = found;
  if (!dataSource) throw new UsageError(`${file} does not export a TypeORM DataSource (export default new DataSource({...}))`);
  const type = dataSource.options.type;
  if (type !== "postgres") {
    throw new UsageError(`${file} is a "${type}" data source; data-script runs on PostgreSQL (type: "postgres")`);
  }
  // pg waits for a connection forever by default (a firewall that drops packets, a server that
  // never answers): without a connect timeout of its own, the CLI would hang instead of exiting 2.
  if (!dataSource.isInitialized && dataSource.options.connectTimeoutMS === undefined) {
    Object.assign(dataSource.options, { connectTimeoutMS: DEFAULT_CONNECT_TIMEOUT_MS });
  }
  return dataSource;
}
