import "reflect-metadata";
import { executeChunk, type WorkerState } from "../runner/chunk-executor";
import { loadDataSource } from "../runner/load-data-source";
import { loadScript } from "../runner/load-script";
import type { ChunkResult, ChunkTask, WorkerConfig } from "../runner/messages";
import { basename, extname } from "node:path";

/**
 * Child side of the pool: each process initialises its own DataSource from the
 * data-source file once, instantiates the script and calls `setup` once, then
 * executes the chunks it is handed.
 */
let state: Promise<WorkerState> | undefined;

async function initialise(config: WorkerConfig): Promise<WorkerState> {
  const dataSource = loadDataSource(config.dataSourceFile);
  if (!dataSource.isInitialized) await dataSource.initialize();
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

export async function runChunk(task: ChunkTask): Promise<ChunkResult> {
  state ??= initialise(task.config);
  return executeChunk(await state, task);
}

/** Closes the worker's DataSource; the next chunk (of the next script, in-process) initialises afresh. */
export async function closeWorker(): Promise<void> {
  const current = state;
  state = undefined;
  if (!current) return;
  const { dataSource } = await current.catch(() => ({ dataSource: undefined }));
  if (dataSource?.isInitialized) await dataSource.destroy();
}
