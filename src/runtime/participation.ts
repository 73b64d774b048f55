import type { RunLedger } from "../ledger/ledger";

/**
 * This process's place in a run while it works on it: the parent (never the
 * CPU-bound workers) heartbeats by the server's clock, evicts the run's other
 * participants once they are silent past the lease, and refreshes the whole
 * run's progress. A heartbeat that finds this participant evicted, or that
 * cannot reach the ledger at all, ends its work.
 */
export class Participation {
  /** Why this participant must stop: evicted by another, or its ledger connection lost. */
  ended: string | undefined;
  /** The error that cut the ledger connection, when that was not an eviction (the database went away). */
  lost: unknown;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly ledger: RunLedger,
    readonly runId: number,
    readonly id: number,
    readonly label: string,
    private readonly options: {
      leaseMs: number;
      /** What this participant has done so far (recorded with each heartbeat). */
      done: () => { chunks: number; rows: number };
      /** Why it holds right now, if it does (recorded with each heartbeat, for status and the dashboard). */
      hold?: () => { reason: string; heldMs: number } | undefined;
      /** The whole run's progress, after each heartbeat. */
      onRunProgress?: (done: { chunks: number; rows: number }) => void;
      /** One-line notices (an eviction). */
      log: (line: string) => void;
      /** Called once when this participant must stop. */
      onEnded: () => void;
      /** A fresh ledger connection, to learn why this one was cut (an eviction terminates it). */
      reopen: () => Promise<RunLedger>;
    },
  ) {}

  /** Every quarter lease (between 0.2 and 5 s): well inside the lease even when a beat is late. */
  get intervalMs(): number {
    return Math.min(5_000, Math.max(200, Math.floor(this.options.leaseMs / 4)));
  }

  start(): void {
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, this.intervalMs);
  }

  /** A hold started or ended: recorded now rather than at the next beat (one statement per hold, never per chunk). */
  beatNow(): void {
    if (!this.timer) return;
    // A beat in flight may have read the hold before it changed: one more after it.
    const after = this.beating ?? Promise.resolve();
    this.beating = after.then(() => this.beat()).finally(() => (this.beating = undefined));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  private async beat(): Promise<void> {
    if (this.ended) return;
    try {
      const state = await this.ledger.heartbeat(this.id, { ...this.options.done(), hold: this.options.hold?.() });
      if (state === "evicted") return this.end(evictedMessage(this.label, this.options.leaseMs));
      if (state === undefined) return this.end(ledgerAlteredMessage(this.runId));
      for (const other of await this.ledger.evictSilent(this.runId, this.id, this.options.leaseMs)) {
        this.options.log(`evicted participant ${other.label}: silent for more than ${this.options.leaseMs} ms; its chunks go to the others`);
      }
      if (this.options.onRunProgress) this.options.onRunProgress(await this.ledger.progress(this.runId));
    } catch (error) {
      await this.cut(error);
    }
  }

  /**
   * The ledger session is gone (a heartbeat, a claim's record or the finish
   * failed on it): terminated by whoever evicted this participant, or the
   * server went away. Ends this participant's work, saying which.
   */
  async cut(error: unknown): Promise<void> {
    if (this.ended) return;
    const why = await this.whyCut(error);
    if (!why) this.lost = error;
    this.end(why ?? `this participant (${this.label}) lost its ledger connection (${(error as Error)?.message ?? String(error)})`);
  }

  /** The eviction message when another participant evicted this one; undefined when the connection was simply lost. */
  private async whyCut(_error: unknown): Promise<string | undefined> {
    try {
      const fresh = await this.options.reopen();
      try {
        if ((await fresh.participantState(this.id)) === "evicted") return evictedMessage(this.label, this.options.leaseMs);
      } finally {
        await fresh.close();
      }
    } catch {
      // the database is out of reach: not an eviction anyone could have recorded
    }
    return undefined;
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    this.options.onEnded();
  }
}

/** This participant's row (or its run's, whose deletion takes the participants with it) was deleted from the ledger by hand. */
export function ledgerAlteredMessage(runId: number): string {
  return (
    `the ledger was altered while run #${runId} was in progress: its row or this participant's row is gone from ` +
    `data_script_runs / data_script_participants (deleted by hand?). This participant stopped: chunks it had committed stay written, ` +
    `nothing more is; check what the ledger and the table hold before running the script again`
  );
}

export function evictedMessage(label: string, leaseMs: number): string {
  return (
    `this participant (${label}) was evicted: it was silent for more than the lease (${leaseMs} ms), so another participant ` +
    `ended it and took its chunks over; nothing it had not committed by then was or will be written`
  );
}
