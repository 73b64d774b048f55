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

async function connect(config: WorkerConfig): Promise<DataSource> {
  installTimestamptzParser();
  const dataSource = loadDataSource(config.dataSourceFile);
  if (!dataSource.isInitialized) await dataSource.initialize();
  return dataSource;
}

async function initialise(config: WorkerConfig): Promise<WorkerState> {
  connected ??= connect(config);
  const dataSource = await connected;
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
 * Started while the parent still plans: the module loading and the DataSource
 * initialisation overlap the planning query. setup() waits for a chunk.
 */
export async function warmUp(config: WorkerConfig): Promise<void> {
  connected ??= connect(config);
  await connected;
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
