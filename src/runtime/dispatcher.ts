import { emptyChunkResult, type ChunkResult, type ChunkTask } from "../messages";
import type { ChunkPool } from "./pool";
import type { Progress } from "./progress";
import { addChunk, type RunSummary } from "./summary";

export interface DispatchOptions {
  maxRetries: number;
  pauseMs: number;
  continueOnError: boolean;
  signal?: AbortSignal;
  onFailure: (chunkNo: number, message: string) => Promise<void>;
}

const BACKOFF_MS = [100, 400, 1_600, 5_000];

/**
 * Hands chunks to the pool, at most one in flight per worker; retries
 * retryable failures with backoff; stops handing out chunks after a failure
 * (unless continue-on-error) or when the run is interrupted.
 */
export class Dispatcher {
  private inFlight = new Set<Promise<void>>();
  failure: string | undefined;
  failedChunks = 0;

  constructor(
    private pool: ChunkPool,
    private summary: RunSummary,
    private progress: Progress,
    private options: DispatchOptions,
  ) {}

  get stopped(): boolean {
    return this.failure !== undefined || this.options.signal?.aborted === true;
  }

  /** Queues a chunk; resolves once it is handed to a worker. False once the run has stopped. */
  async submit(task: ChunkTask): Promise<boolean> {
    while (this.inFlight.size >= this.pool.size) await Promise.race(this.inFlight);
    if (this.stopped) return false;
    const done = this.execute(task).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
    if (this.options.pauseMs) await new Promise((r) => setTimeout(r, this.options.pauseMs));
    return !this.stopped;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.race(this.inFlight);
  }

  private async execute(task: ChunkTask): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let result: ChunkResult;
      try {
        result = await this.pool.run(task);
      } catch (error) {
        // The worker itself failed: its setup threw, or the process died mid-chunk.
        result = crashed(task, error);
      }
      if (result.outcome !== "failed") {
        addChunk(this.summary, result);
        this.progress.update(this.summary.chunks, this.summary.scanned);
        return;
      }
      const error = result.error!;
      if (error.retryable && attempt < this.options.maxRetries && !this.options.signal?.aborted) {
        await new Promise((r) => setTimeout(r, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]));
        continue;
      }
      await this.options.onFailure(task.chunkNo, error.message).catch(() => undefined);
      this.failedChunks++;
      const fatal = !this.options.continueOnError || error.kind === "afterSave";
      if (fatal && !this.failure) this.failure = `chunk ${task.chunkNo} failed: ${error.message}`;
      return;
    }
  }
}

function crashed(task: ChunkTask, error: unknown): ChunkResult {
  // A child process's error arrives as a plain object (Tinypool's child_process runtime).
  const message = error instanceof Error ? error.message : typeof (error as Error)?.message === "string" ? (error as Error).message : String(error);
  const workerDied = /exited unexpectedly|terminated|channel closed/i.test(message);
  return {
    ...emptyChunkResult(task.chunkNo, 0, "failed"),
    error: { message: workerDied ? `worker process died: ${message}` : message, kind: "script", retryable: workerDied },
  };
}
