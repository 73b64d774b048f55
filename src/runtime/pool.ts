import { join } from "node:path";
import { UsageError } from "../errors";
import { isWorkerSettingsVariable, workerSettingsEnv, type ChunkResult, type ChunkTask, type WorkerModule, type WorkerSettings } from "../messages";

/** Where chunks execute: a Tinypool of child processes, or this process (`--workers 1`). */
export interface ChunkPool {
  run(task: ChunkTask): Promise<ChunkResult>;
  close(): Promise<void>;
  /** How many chunks can run at once. */
  readonly size: number;
}

/** The child side's entry, by file: the parent never imports the worker's modules. */
const WORKER_ENTRY = join(__dirname, "..", "worker", "entry.js");
const IN_PROCESS_WORKER = join(__dirname, "..", "worker", "chunk-worker.js");

/**
 * Forks `workers` child processes. Each gets the run's settings once, in its
 * environment, and starts loading the data-source file and connecting at once,
 * while the parent connects, locks and plans.
 */
export async function createProcessPool(workers: number, settings: WorkerSettings): Promise<ChunkPool> {
  // Tinypool is ESM-only; Node ≥ 20.19 loads it through import().
  const { Tinypool } = await import("tinypool");
  const env = { ...inheritedEnv(), ...workerSettingsEnv(settings) };
  let pool: InstanceType<typeof Tinypool>;
  try {
    pool = new Tinypool({ filename: WORKER_ENTRY, runtime: "child_process", minThreads: workers, maxThreads: workers, isolateWorkers: false, env });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "E2BIG") throw error;
    const kb = Math.ceil(JSON.stringify(settings).length / 1024);
    throw new WorkerSettingsTooLarge(
      `the run's settings for its worker processes (${kb} KB, mostly its parameters) are more than this system lets a new process take in its environment (E2BIG): ` +
        `run with --workers 1, or pass the path of a file as a parameter and read the file in setup()`,
    );
  }
  return {
    size: workers,
    run: (task) => pool.run(task, { name: "runChunk" }),
    close: () => pool.destroy(),
  };
}

/** The system refused to start a worker with the run's settings in its environment (E2BIG). */
export class WorkerSettingsTooLarge extends UsageError {}

/** This process's environment without settings it was itself given as a worker (a run started from a script's code). */
function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !isWorkerSettingsVariable(name))) as Record<string, string>;
}

/** The worker in this process: it shares the parent's DataSource object and connects once the parent has closed it. */
export function createInProcessPool(settings: WorkerSettings): ChunkPool {
  const worker = require(IN_PROCESS_WORKER) as WorkerModule;
  worker.configureWorker(settings, 0);
  return {
    size: 1,
    run: (task) => worker.runChunk(task),
    close: () => worker.closeWorker(),
  };
}

export function createPool(workers: number, settings: WorkerSettings): Promise<ChunkPool> | ChunkPool {
  return workers > 1 ? createProcessPool(workers, settings) : createInProcessPool(settings);
}
