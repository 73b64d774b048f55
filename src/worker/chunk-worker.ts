import "reflect-metadata";
import type { DataSource } from "typeorm";
import { registerConnectionSecrets } from "../database/connect";
import { loadDataSource } from "../database/load-data-source";
import { postgresOptions } from "../database/postgres-options";
import type { ChunkResult, ChunkTask, WorkerSettings } from "../messages";
import { loadScriptFile } from "../script/load-script";
import { decodeParams } from "../script/params";
import { registerSecretParams, secretParamNames } from "../script/secret-params";
import type { DataScript } from "../script/data-script";
import { chunkTimeouts } from "../settings/settings";
import { executeTask } from "./chunk-executor";
import type { WorkerState } from "./worker-state";
import { ScriptError } from "./chunk-write";
import { installTimestamptzParser } from "./timestamptz-parser";

/**
 * A worker: its own DataSource, initialised once from the data-source file,
 * the script instantiated and set up once, then the chunks it is handed.
 * Forked workers are configured from their environment (entry.ts); the
 * in-process worker (`--workers 1`) by the parent, directly.
 */
let settings: WorkerSettings | undefined;
let workerId = 0;
let connected: Promise<DataSource> | undefined;
let state: Promise<WorkerState> | undefined;

/**
 * Takes the run's settings. A forked worker starts connecting at once, while the
 * parent connects and plans; setup() waits for the first chunk. The in-process
 * worker shares the parent's DataSource object, so it connects only once the
 * parent has closed it, on its first chunk.
 */
export function configureWorker(next: WorkerSettings, id: number): void {
  settings = next;
  workerId = id;
  if (settings.sourceMaps) process.setSourceMapsEnabled(true);
  // A failure here shows up again on the worker's first chunk, which reports it.
  if (id > 0) connection().catch(() => undefined);
}

async function connect(current: WorkerSettings): Promise<DataSource> {
  installTimestamptzParser();
  const dataSource = loadDataSource(current.dataSourceFile);
  if (current.connection) dataSource.setOptions({ url: current.connection.url } as never);
  // What this worker writes to the ledger (a row's error under --continue-on-error) is masked as the parent's output is.
  registerConnectionSecrets(postgresOptions(dataSource));
  // Every session of this participant carries its name: an eviction terminates them by it.
  dataSource.setOptions({ applicationName: current.applicationName } as never);
  if (workerId > 0) {
    // The parent prepares the schema (migrations, synchronize, extensions); a pool worker only
    // connects, and so it can do that while the parent is still connecting and planning.
    dataSource.setOptions({ migrationsRun: false, synchronize: false, dropSchema: false, installExtensions: false } as never);
  }
  if (!dataSource.isInitialized) await dataSource.initialize();
  return dataSource;
}

/** The worker's DataSource, connected once; a failed attempt is forgotten, so the next chunk tries again. */
function connection(): Promise<DataSource> {
  const current = configured();
  connected ??= connect(current).catch((error) => {
    connected = undefined;
    throw error;
  });
  return connected;
}

function configured(): WorkerSettings {
  if (!settings) throw new Error("worker started without its settings");
  return settings;
}

async function initialise(): Promise<WorkerState> {
  const current = configured();
  const dataSource = await connection();
  const { script } = loadScriptFile(current.scriptFile);
  const log = (...args: unknown[]) => console.error(`[worker ${workerId}]`, ...args);
  const params = decodeParams(current.params);
  registerSecretParams(params, secretParamNames(script.constructor.name, (script.constructor as typeof DataScript).secretParams));
  let setUp: Promise<void> | undefined;
  // Once per worker, before its first chunk's work (after that chunk is claimed, so a failure names it).
  // A setup that threw throws again for every chunk this worker is handed: it is not retried.
  const ready = () =>
    (setUp ??= (async () => {
      if (!script.setup) return;
      try {
        await script.setup({ dataSource, manager: dataSource.manager, dryRun: current.dryRun, workerId, params, log });
      } catch (error) {
        throw new ScriptError(`setup() threw in worker ${workerId}, before any of its chunks started: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    })());
  const keepUndo = current.keepUndo && script.keepUndo !== false;
  return { dataSource, script, workerId, log, settings: current, params, timeouts: chunkTimeouts(current, script), ready, keepUndo };
}

export async function runChunk(task: ChunkTask): Promise<ChunkResult> {
  state ??= initialise();
  return executeTask(await state, task);
}

/** Closes the worker's DataSource; the in-process worker of the next script initialises afresh. */
export async function closeWorker(): Promise<void> {
  const current = connected;
  connected = undefined;
  state = undefined;
  settings = undefined;
  if (!current) return;
  const dataSource = await current.catch(() => undefined);
  if (dataSource?.isInitialized) await dataSource.destroy();
}
