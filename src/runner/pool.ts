import { join } from "node:path";
import type { ChunkResult, ChunkTask } from "./messages";

/** Where chunks execute: a Tinypool of child processes, or this process (`--workers 1`). */
export interface ChunkPool {
  run(task: ChunkTask): Promise<ChunkResult>;
  /** Lets every worker load the data-source file and connect while the parent still plans (no-op in-process). */
  warmUp(dataSourceFile: string): void;
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
    warmUp(dataSourceFile) {
      // One task per worker (each takes one at a time). A failure here shows up again on the
      // worker's first chunk, which reports it; the warm-up itself stays silent.
      for (let i = 0; i < workers; i++) pool.run(dataSourceFile, { name: "warmUp" }).catch(() => undefined);
    },
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
    // In-process, the parent's DataSource is the same object: it is re-initialised after the parent destroys it.
    warmUp() {},
    close: () => worker.closeWorker(),
  };
}
