import { zeroCounts, type ChunkResult, type ChunkSample, type RowCounts } from "../messages";

/** What one invocation did, for the printed summary and `--json`. */
export interface RunSummary extends RowCounts {
  script: string;
  runId: number | null;
  /** `skipped`: already completed; `locked`: another run of the script holds its lock. */
  status: "completed" | "failed" | "interrupted" | "skipped" | "locked" | "cancelled";
  dryRun: boolean;
  resumed: boolean;
  /** This invocation joined a run in progress as another participant (--join). */
  joined: boolean;
  /** Rows whose mutate threw (--continue-on-error), left for a resumed run. */
  failedRows: number;
  chunks: number;
  chunksTotal: number;
  workers: number;
  /** Why that many workers, when the run chose (no --workers given). */
  workersReason?: string;
  /** Distinct processes that saved chunks. */
  pids: number[];
  /** Whole invocation, start-up included. */
  wallMs: number;
  /** Chunks planned → last commit. */
  jobMs: number;
  /** Time the run held: paused, or the database unhealthy (replication lag, lock timeouts), or the script's throttle. */
  heldMs: number;
  /** Why it last held. */
  lastHoldReason?: string;
  rowsPerSecond: number;
  /** A script that declares `select`: what its chunks loaded (`rows loaded: id, username, updatedAt (select)`, or `whole rows: …` and why). */
  rows?: string;
  columns: Record<string, number>;
  samples: ChunkSample[];
  message?: string;
  /**
   * The whole run's totals once it ended (the counts above are this
   * participant's share of it: the same numbers when it worked alone).
   */
  run?: RowCounts & {
    /** Chunks planned. */
    chunks: number;
    /** Chunks written, where the run ended before all were (cancelled, failed). */
    chunksWritten?: number;
    participants: number;
  };
  /** A revert: the run it undid (changed = rows restored, skipped = rows changed since, deleted = inserted rows removed). */
  revertOf?: number;
  /** A revert: the keys of the rows it left alone because live traffic changed them since (at most 10,000). */
  skippedKeys?: unknown[];
}

/** How many keys of skipped rows a revert's summary lists (the ledger keeps them all). */
export const SKIPPED_KEYS_SHOWN = 10_000;

export function emptySummary(script: string, dryRun: boolean, workers: number): RunSummary {
  return {
    script,
    runId: null,
    status: "completed",
    dryRun,
    resumed: false,
    joined: false,
    ...zeroCounts(),
    failedRows: 0,
    chunks: 0,
    chunksTotal: 0,
    workers,
    pids: [],
    wallMs: 0,
    jobMs: 0,
    heldMs: 0,
    rowsPerSecond: 0,
    columns: {},
    samples: [],
  };
}

export function addChunk(summary: RunSummary, result: ChunkResult): void {
  summary.scanned += result.scanned;
  summary.changed += result.changed;
  summary.inserted += result.inserted;
  summary.skipped += result.skipped;
  summary.conflicted += result.conflicted;
  summary.deleted += result.deleted;
  summary.removed += result.removed;
  if (result.skippedKeys?.length) {
    summary.skippedKeys ??= [];
    for (const key of result.skippedKeys) if (summary.skippedKeys.length < SKIPPED_KEYS_SHOWN) summary.skippedKeys.push(key);
  }
  summary.failedRows += result.failedRows;
  summary.chunks++;
  if (!summary.pids.includes(result.pid)) summary.pids.push(result.pid);
  for (const [column, n] of Object.entries(result.columns)) summary.columns[column] = (summary.columns[column] ?? 0) + n;
  for (const sample of result.samples) if (summary.samples.length < 5) summary.samples.push(sample);
}

/** Completed, or nothing to do: what lets `run --pending` go on to the next script. */
export function succeeded(summary: Pick<RunSummary, "status">): boolean {
  return summary.status === "completed" || summary.status === "skipped";
}
