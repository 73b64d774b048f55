import type { RunLedger } from "../ledger/ledger";
import { sleep } from "./sleep";
import type { ScriptContext } from "../script/data-script";

/**
 * Whether the database is healthy enough to take another chunk, checked by
 * the parent before it hands one out, for all its workers at once (cached for
 * a couple of seconds): the replication lag of the primary's standbys, the
 * share of recent chunks that hit their lock timeout, and the script's own
 * `throttle(ctx)`. While any says stop, the run holds — at least a second,
 * longer each time it is still unhealthy (up to 10 s), so it does not flap —
 * and the progress line says why. An operator's pause holds the same way
 * (looked at every second, so a resume is seen at once); a cancel stops it.
 */
export interface HealthOptions {
  ledger: RunLedger;
  /** Hold while a standby is further behind than this; 0 turns the check off. */
  maxReplicationLagMs: number;
  /** The script's own check: a reason to wait, or nothing. */
  throttle?: (ctx: ScriptContext<unknown>) => unknown;
  ctx: ScriptContext<unknown>;
  /** Told when the run holds (with why) and when it goes on (undefined). */
  onHold: (reason: string | undefined, heldMs: number) => void;
  signal?: AbortSignal;
  /** The run's controls, read first at each check: a pause to hold for, or a cancel to stop at. */
  control?: () => Promise<{ hold?: string; stop?: string } | undefined>;
  /** The run was cancelled: no more chunks. */
  onStop?: (reason: string) => void;
}

const CACHE_MS = 2_000;
const MIN_HOLD_MS = 1_000;
const MAX_HOLD_MS = 10_000;
/** Of the last LOCK_WINDOW chunk attempts, this many hitting lock_timeout holds the run. */
const LOCK_WINDOW = 10;
const LOCK_LIMIT = 3;
/** WAL positions sampled at each check: how long ago the primary was where a standby has replayed to. */
const LSN_SAMPLES = 600;

export class HealthGate {
  /** Total time the run held, ms. */
  heldMs = 0;
  private checkedAt = 0;
  private verdict: string | undefined;
  private recentAttempts: boolean[] = [];
  private lsnSamples: { at: number; lsn: bigint }[] = [];
  private controlHold = false;
  private stopped = false;

  constructor(private readonly options: HealthOptions) {}

  /** A chunk attempt ended: whether it hit its lock timeout (SQLSTATE 55P03). */
  recordAttempt(lockTimedOut: boolean): void {
    this.recentAttempts.push(lockTimedOut);
    if (this.recentAttempts.length > LOCK_WINDOW) this.recentAttempts.shift();
  }

  /** The next check reads the ledger afresh (a claim found the run paused). */
  recheck(): void {
    this.checkedAt = 0;
  }

  /** Resolves once the database is healthy (at once, most of the time); holds while it is not. */
  async ready(): Promise<void> {
    let reason = await this.check();
    if (!reason) return;
    const started = Date.now();
    let hold = MIN_HOLD_MS;
    while (reason && !this.options.signal?.aborted && !this.stopped) {
      this.options.onHold(reason, Date.now() - started);
      await sleep(this.controlHold ? MIN_HOLD_MS : hold, this.options.signal);
      hold = Math.min(MAX_HOLD_MS, Math.round(hold * 1.5));
      reason = await this.check(true);
    }
    this.heldMs += Date.now() - started;
    this.options.onHold(undefined, Date.now() - started);
  }

  private async check(fresh = false): Promise<string | undefined> {
    if (!fresh && Date.now() - this.checkedAt < CACHE_MS) return this.verdict;
    this.checkedAt = Date.now();
    const control = await this.options.control?.();
    this.controlHold = control?.hold !== undefined;
    if (control?.stop !== undefined && !this.stopped) {
      this.stopped = true;
      this.options.onStop?.(control.stop);
    }
    if (this.stopped) return (this.verdict = undefined);
    this.verdict = control?.hold ?? (await this.replicationLag()) ?? this.lockTimeouts() ?? (await this.scriptSays());
    return this.verdict;
  }

  private async replicationLag(): Promise<string | undefined> {
    const limit = this.options.maxReplicationLagMs;
    if (!limit) return undefined;
    const state = await this.options.ledger.replication();
    const now = Date.now();
    this.lsnSamples.push({ at: now, lsn: state.currentLsn });
    if (this.lsnSamples.length > LSN_SAMPLES) this.lsnSamples.shift();
    let worst: { name: string; lagMs: number } | undefined;
    for (const standby of state.standbys) {
      // Behind since the first sample it has not replayed: the WAL the primary wrote then is still not applied.
      const oldest = standby.replayLsn === null ? undefined : this.lsnSamples.find((s) => s.lsn > standby.replayLsn!);
      const lagMs = Math.max(oldest ? now - oldest.at : 0, (standby.replayLagS ?? 0) * 1000);
      if (!worst || lagMs > worst.lagMs) worst = { name: standby.name, lagMs };
    }
    if (!worst || worst.lagMs <= limit) return undefined;
    return `replication lag ${seconds(worst.lagMs)} > ${seconds(limit)} (standby ${worst.name})`;
  }

  private lockTimeouts(): string | undefined {
    const hits = this.recentAttempts.filter(Boolean).length;
    if (hits < LOCK_LIMIT) return undefined;
    // Forget them: the hold itself is the back-off; the next chunks tell whether the locks are still held.
    this.recentAttempts = [];
    return `${hits} of the last ${LOCK_WINDOW} chunks hit their lock timeout (other transactions hold the rows)`;
  }

  private async scriptSays(): Promise<string | undefined> {
    if (!this.options.throttle) return undefined;
    const said = await this.options.throttle(this.options.ctx);
    if (said === undefined || said === null || said === false || said === "") return undefined;
    return `the script's throttle(): ${said === true ? "busy" : String(said)}`;
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
