import "reflect-metadata";
import { executeChunk, type WorkerState } from "../runner/chunk-executor";
import { loadDataSource } from "../runner/load-data-source";
import { loadScript } from "../runner/load-script";
import type { ChunkResult, ChunkTask, WorkerConfig } from "../runner/messages";
import { basename, extname } from "node:path";
import { installTimestamptzParser } from "./timestamptz-parser";
import type { DataSource } from "typeorm";

/**
 * Child side of the pool: each process initialises its own DataSource from the
 * data-source file once, instantiates the script and calls `setup` once, then
 * executes the chunks it is handed.
 */
let connected: Promise<DataSource> | undefined;
let state: Promise<WorkerState> | undefined;

async function connect(dataSourceFile: string): Promise<DataSource> {
  installTimestamptzParser();
  const dataSource = loadDataSource(dataSourceFile);
  if (process.env.TINYPOOL_WORKER_ID !== undefined) {
    // The parent prepares the schema (migrations, synchronize, extensions); a pool worker only
    // connects, and so it can do that while the parent is still connecting and planning.
    dataSource.setOptions({ migrationsRun: false, synchronize: false, dropSchema: false, installExtensions: false } as never);
  }
  if (!dataSource.isInitialized) await dataSource.initialize();
  return dataSource;
}

async function initialise(config: WorkerConfig): Promise<WorkerState> {
  const dataSource = await connection(config.dataSourceFile);
  const { script } = loadScript({ name: basename(config.scriptFile, extname(config.scriptFile)), file: config.scriptFile });
  const workerId = Number(process.env.TINYPOOL_WORKER_ID ?? 0);
  const log = (...args: unknown[]) => console.error(`[worker ${workerId}]`, ...args);
  const workerState: WorkerState = { dataSource, script, workerId, log };
  if (script.setup) {
    try {
      await script.setup({ dataSource, manager: dataSource.manager, dryRun: config.dryRun, workerId, params: config.params, log });
    } catch (error) {
      // The chunk this worker was handed never started: say so, rather than blame the chunk.
      throw new Error(`setup() threw in worker ${workerId}, before any of its chunks started: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }
  return workerState;
}

/**
 * Sent as soon as the pool is forked: the worker loads the data-source file and
 * connects while the parent connects and plans. setup() waits for a chunk.
 */
export async function warmUp(dataSourceFile: string): Promise<void> {
  await connection(dataSourceFile);
}

/** The worker's DataSource, connected once; a failed attempt is forgotten, so the next chunk tries again. */
function connection(dataSourceFile: string): Promise<DataSource> {
  connected ??= connect(dataSourceFile).catch((error) => {
    connected = undefined;
    throw error;
  });
  return connected;
}

export async function runChunk(task: ChunkTask): Promise<ChunkResult> {
  state ??= initialise(task.config);
  return executeChunk(await state, task);
}

/** Closes the worker's DataSource; the next chunk (of the next script, in-process) initialises afresh. */
export async function closeWorker(): Promise<void> {
  const current = connected;
  connected = undefined;
  state = undefined;
  if (!current) return;
  const dataSource = await current.catch(() => undefined);
  if (dataSource?.isInitialized) await dataSource.destroy();
}
