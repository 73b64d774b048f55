import { join } from "node:path";
import type { ChunkResult, ChunkTask } from "./messages";

/** Where chunks execute: a Tinypool of child processes, or this process (`--workers 1`). */
export interface ChunkPool {
  run(task: ChunkTask): Promise<ChunkResult>;
  close(): Promise<void>;
  /** Process ids of the workers (for tests and the summary). */
  readonly size: number;
}

const WORKER_ENTRY = join(__dirname, "..", "worker", "entry.js");

export async function createProcessPool(workers: number, env: NodeJS.ProcessEnv): Promise<ChunkPool> {
  // Tinypool is ESM-only; Node ≥ 20.19 loads it through require(esm) or import().
  const { Tinypool } = await import("tinypool");
  const pool = new Tinypool({
    filename: WORKER_ENTRY,
    runtime: "child_process",
    minThreads: workers,
    maxThreads: workers,
    isolateWorkers: false,
    env: env as Record<string, string>,
  });
  return {
    size: workers,
    run: (task) => pool.run(task, { name: "runChunk" }),
    async close() {
      await pool.destroy();
    },
  };
}

export async function createInProcessPool(): Promise<ChunkPool> {
  const worker: typeof import("../worker/chunk-worker") = require("../worker/chunk-worker");
  return {
    size: 1,
    run: (task) => worker.runChunk(task),
    close: () => worker.closeWorker(),
  };
}
