import { stackOf } from "../database/error-stack";
import type { RunLedger } from "../ledger/ledger";
import { emptyChunkResult, type ChunkResult, type ChunkTask, type GivenChunkTask } from "../messages";
import type { HealthGate } from "./health";
import type { ChunkPool } from "./pool";
import { sleep } from "./sleep";
import { addChunk, type RunSummary } from "./summary";

export interface DispatchOptions {
  runId: number;
  participant: number;
  ledger: RunLedger;
  maxRetries: number;
  pauseMs: number;
  continueOnError: boolean;
  signal?: AbortSignal;
  /** Called with every result this participant's workers saved (the progress line). */
  onSaved?: () => void;
  /** The ledger connection failed under a record: this participant can go no further (evicted, or the database gone). */
  onLedgerLost: (error: unknown) => Promise<void>;
  /** Checked before each chunk is handed out: the run holds while the database is unhealthy. */
  health?: HealthGate;
  /** A chunk whose statement timed out was cut in two (the second half got the number `added`). */
  onSplit?: (chunkNo: number, added: number) => void;
}

/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";

/** How long a worker that found nothing waits before it looks again (chunks held by others, or in back-off). */
const IDLE_POLL_MS = 250;
const PUSH_BACKOFF_MS = [100, 400, 1_600, 5_000];

/**
 * Keeps this participant's workers busy, at most one task in flight per
 * worker. Pull (table kind): each worker takes the next chunk the ledger has,
 * until nothing is left. Push (source kind, dry runs, failed rows): the parent
 * hands out given chunks. A failed attempt is recorded in the ledger, where
 * any participant retries it after a back-off; a chunk that fails for good
 * stops the run for every participant (unless --continue-on-error).
 */
export class Dispatcher {
  private inFlight = new Set<Promise<void>>();
  /** The fatal failure this participant saw (it stopped the run). */
  failure: string | undefined;
  /** Another participant's fatal failure, or the run ended under us. */
  stoppedBy: string | undefined;
  evicted = false;
  failedChunks = 0;
  /** The ledger had nothing left to write and no afterSave owed. */
  private drained = false;
  private idleUntil = 0;
  private owedMine = false;
  private crashes = 0;

  constructor(
    private pool: ChunkPool,
    private summary: RunSummary,
    private options: DispatchOptions,
  ) {}

  get stopped(): boolean {
    return this.failure !== undefined || this.stoppedBy !== undefined || this.evicted || this.options.signal?.aborted === true;
  }

  /** Pull until the ledger has nothing left for this participant, the run stops, or it is interrupted. */
  async pull(what: "any" | "afterSave" = "any", revertOf?: number): Promise<void> {
    const { runId, participant } = this.options;
    this.drained = false;
    while (!this.stopped && !this.drained) {
      while (this.inFlight.size < this.pool.size && !this.stopped && !this.drained && Date.now() >= this.idleUntil) {
        if (!(await this.healthy())) break;
        const includeMine = this.owedMine && this.inFlight.size === 0;
        this.track(this.run({ kind: "next", runId, participant, what, includeMine, revertOf }));
        if (this.options.pauseMs) await sleep(this.options.pauseMs);
      }
      if (this.inFlight.size) await Promise.race(this.inFlight);
      else if (!this.drained && !this.stopped) await sleep(Math.max(0, this.idleUntil - Date.now()), this.options.signal);
    }
    await this.drain();
  }

  /** Push: queues a given chunk; resolves once it is handed to a worker. False once the run has stopped. */
  async submit(task: GivenChunkTask): Promise<boolean> {
    while (this.inFlight.size >= this.pool.size) await Promise.race(this.inFlight);
    if (!(await this.healthy())) return false;
    this.track(this.runGiven(task));
    if (this.options.pauseMs) await sleep(this.options.pauseMs);
    return !this.stopped;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.race(this.inFlight);
  }

  /**
   * Waits while the database is unhealthy; false once the run has stopped. The
   * health check reads the ledger: a session cut under it (an eviction, or the
   * database gone) ends this participant as a failed record would.
   */
  private async healthy(): Promise<boolean> {
    try {
      await this.options.health?.ready();
    } catch (error) {
      this.evicted = true;
      await this.options.onLedgerLost(error);
    }
    return !this.stopped;
  }

  private track(work: Promise<void>): void {
    const done = work.finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async run(task: ChunkTask): Promise<void> {
    const result = await this.execute(task);
    switch (result.outcome) {
      case "idle": {
        const left = result.left!;
        if (!left.pending && !left.saved) this.drained = true;
        else {
          // Only afterSave left, owed by nobody else at work: one of this participant's own workers died in it.
          if (!left.pending) this.owedMine = true;
          this.idleUntil = Date.now() + Math.min(Math.max(left.retryInMs ?? IDLE_POLL_MS, 0), IDLE_POLL_MS);
        }
        return;
      }
      case "failed":
        await this.failedOrCut(result);
        return;
      default:
        this.settled(result);
    }
  }

  /** Push: retried by this parent (it holds the inputs), each attempt recorded in the ledger. */
  private async runGiven(task: GivenChunkTask): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.execute(task);
      if (result.outcome !== "failed") return this.settled(result);
      // Rows retried from an earlier attempt belong to a chunk already saved: their attempts are counted here.
      const again = await this.failedOrCut({ ...result, chunkNo: task.chunkNo }, task.retryFailures ? attempt : undefined);
      if (!again || this.stopped) return;
      await sleep(PUSH_BACKOFF_MS[Math.min(attempt, PUSH_BACKOFF_MS.length - 1)], this.options.signal);
    }
  }

  private async execute(task: ChunkTask): Promise<ChunkResult> {
    let result: ChunkResult;
    try {
      result = await this.pool.run(task);
    } catch (error) {
      // The worker itself failed: its setup threw, or the process died mid-task.
      result = crashed(error);
    }
    if (result.outcome === "failed" || result.outcome === "saved" || result.outcome === "done") {
      this.options.health?.recordAttempt(result.error?.code === LOCK_NOT_AVAILABLE);
    }
    return result;
  }

  private settled(result: ChunkResult): void {
    if (result.outcome === "evicted") this.evicted = true;
    // A pause is a hold, not a stop: the health gate looks again at once and holds until the run is resumed.
    else if (result.outcome === "stopped" && result.runStatus === "paused" && !result.error && this.options.health) this.options.health.recheck();
    else if (result.outcome === "stopped") this.stoppedBy = result.error?.message ?? (result.runStatus === "cancelled" ? "the run was cancelled" : "the run ended");
    else if (result.outcome === "saved" || result.outcome === "done") {
      addChunk(this.summary, result);
      this.options.onSaved?.();
    }
  }

  private async failedOrCut(result: ChunkResult, localAttempt?: number): Promise<boolean> {
    try {
      return await this.failed(result, localAttempt);
    } catch (error) {
      this.evicted = true;
      await this.options.onLedgerLost(error);
      return false;
    }
  }

  /** Records a failed attempt; true when the chunk will be tried again. */
  private async failed(result: ChunkResult, localAttempt?: number): Promise<boolean> {
    const error = result.error!;
    const { ledger, runId, maxRetries } = this.options;
    if (result.split) {
      // Its statement ran past statement_timeout: two halves, each tried afresh (and cut again if need be).
      const added = await ledger.splitChunk(runId, result.chunkNo, result.split.first, result.split.second);
      if (added) {
        this.summary.chunksTotal++;
        this.options.onSplit?.(result.chunkNo, added);
        return true;
      }
    }
    let forGood: boolean;
    if (localAttempt !== undefined) {
      forGood = !error.retryable || localAttempt >= maxRetries;
    } else if (!result.chunkNo) {
      // A worker that died before telling which chunk it held: that chunk rolled back and is claimable again.
      forGood = !error.retryable || ++this.crashes > maxRetries * this.pool.size;
    } else if (error.kind === "afterSave") {
      forGood = true; // its data is committed: only a resumed run calls afterSave again
    } else {
      const attempt = await ledger.recordAttempt(runId, result.chunkNo, { error: error.message, stack: error.stack, retryable: error.retryable, maxRetries });
      forGood = attempt.failed;
      // This participant takes nothing new until that retry is due (then the chunk, lowest pending, comes first):
      // it does not run ahead of a failing chunk. Other participants carry on, and any of them may retry it.
      if (!forGood) this.idleUntil = Math.max(this.idleUntil, Date.now() + attempt.retryInMs);
    }
    if (!forGood) return true;
    this.failedChunks++;
    const fatal = !this.options.continueOnError || error.kind === "afterSave" || !result.chunkNo;
    if (fatal && !this.failure) {
      this.failure = result.chunkNo ? `chunk ${result.chunkNo} failed: ${error.message}` : error.message;
      await ledger.stop(runId, this.failure);
    }
    return false;
  }
}

function crashed(error: unknown): ChunkResult {
  // A child process's error arrives as a plain object (Tinypool's child_process runtime).
  const message = error instanceof Error ? error.message : typeof (error as Error)?.message === "string" ? (error as Error).message : String(error);
  const workerDied = /exited unexpectedly|terminated|channel closed/i.test(message);
  return {
    ...emptyChunkResult(0, 0, "failed"),
    error: { message: workerDied ? `worker process died: ${message}` : message, kind: "script", retryable: workerDied, stack: stackOf(error) },
  };
}
