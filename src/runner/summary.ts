import type { ChunkResult, ChunkSample } from "./messages";

/** What one invocation did, for the printed summary and `--json`. */
export interface RunSummary {
  script: string;
  runId: number | null;
  status: "completed" | "failed" | "interrupted" | "skipped" | "locked";
  dryRun: boolean;
  resumed: boolean;
  scanned: number;
  changed: number;
  inserted: number;
  skipped: number;
  conflicted: number;
  /** Rows whose mutate threw (--continue-on-error), left for a resumed run. */
  failedRows: number;
  chunks: number;
  chunksTotal: number;
  workers: number;
  /** Distinct processes that saved chunks. */
  pids: number[];
  /** Whole invocation, start-up included. */
  wallMs: number;
  /** Chunks planned → last commit. */
  jobMs: number;
  rowsPerSecond: number;
  columns: Record<string, number>;
  samples: ChunkSample[];
  message?: string;
}

/** The row counts a run, a chunk and the ledger keep, all at zero. */
export function zeroCounts() {
  return { scanned: 0, changed: 0, inserted: 0, skipped: 0, conflicted: 0 };
}

export function emptySummary(script: string, dryRun: boolean, workers: number): RunSummary {
  return {
    script,
    runId: null,
    status: "completed",
    dryRun,
    resumed: false,
    ...zeroCounts(),
    failedRows: 0,
    chunks: 0,
    chunksTotal: 0,
    workers,
    pids: [],
    wallMs: 0,
    jobMs: 0,
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
  summary.failedRows += result.failedRows;
  summary.chunks++;
  if (!summary.pids.includes(result.pid)) summary.pids.push(result.pid);
  for (const [column, n] of Object.entries(result.columns)) summary.columns[column] = (summary.columns[column] ?? 0) + n;
  for (const sample of result.samples) if (summary.samples.length < 5) summary.samples.push(sample);
}

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  const head = s.dryRun ? `${s.script}: dry run ${s.status} (rolled back, nothing saved)` : `${s.script}: ${s.status}`;
  lines.push(s.runId ? `${head} — run #${s.runId}${s.resumed ? " (resumed)" : ""}` : head);
  if (s.status === "skipped" || s.status === "locked") {
    if (s.message) lines.push(`  ${s.message}`);
    return lines.join("\n");
  }
  lines.push(
    `  rows: ${s.scanned} scanned, ${s.changed} changed, ${s.inserted} inserted, ${s.skipped} skipped` +
      (s.conflicted ? `, ${s.conflicted} skipped because their version changed meanwhile` : "") +
      (s.failedRows ? `, ${s.failedRows} failed` : ""),
  );
  lines.push(`  chunks: ${s.chunks} of ${s.chunksTotal}, workers: ${s.workers} (${s.pids.length} process${s.pids.length === 1 ? "" : "es"})`);
  lines.push(`  time: ${(s.wallMs / 1000).toFixed(2)} s wall, ${(s.jobMs / 1000).toFixed(2)} s job, ${Math.round(s.rowsPerSecond)} rows/s`);
  if (s.dryRun && Object.keys(s.columns).length) {
    lines.push(`  would change: ${Object.entries(s.columns).map(([c, n]) => `${c} ×${n}`).join(", ")}`);
  }
  if (s.dryRun) {
    for (const sample of s.samples) {
      const diffs = Object.keys(sample.after)
        .filter((k) => JSON.stringify(sample.before[k]) !== JSON.stringify(sample.after[k]))
        .map((k) => `${k}: ${JSON.stringify(sample.before[k])} → ${JSON.stringify(sample.after[k])}`);
      lines.push(`    ${sample.key}: ${diffs.join(", ")}`);
    }
  }
  if (s.message) lines.push(`  ${s.message}`);
  return lines.join("\n");
}
