import type { RunSummary } from "../runtime/summary";
import { redactSecrets } from "../database/redact";
import { sampleChanges } from "./sample-changes";

/** The summary printed at the end of a run (no credentials: a chunk's error text may quote a connection string). */
export function formatSummary(s: RunSummary): string {
  return redactSecrets(summaryLines(s));
}

function summaryLines(s: RunSummary): string {
  const lines: string[] = [];
  const what = s.revertOf !== undefined ? `revert of run #${s.revertOf} ` : "";
  const head = s.dryRun ? `${s.script}: ${what}dry run ${s.status} (rolled back, nothing saved)` : `${s.script}: ${what}${s.status}`;
  lines.push(s.runId ? `${head} — run #${s.runId}${s.resumed ? " (resumed)" : s.joined ? " (joined)" : ""}` : head);
  if (s.status === "skipped" || s.status === "locked") {
    if (s.message) lines.push(`  ${s.message}`);
    return lines.join("\n");
  }
  if (s.revertOf !== undefined) {
    lines.push(
      `  rows: ${s.scanned} in the before-images, ${s.changed} ${s.dryRun ? "would be " : ""}restored, ` +
        `${s.skipped} skipped (changed since the run: left as they are), ${s.deleted} ${s.dryRun ? "would be " : ""}deleted (inserted by the run)` +
        (s.inserted ? `, ${s.inserted} ${s.dryRun ? "would be " : ""}re-inserted (removed by the run)` : ""),
    );
    if (s.skippedKeys?.length) {
      // The keys are the whole run's (from the ledger), whoever skipped them: a resumed revert lists the first attempt's too.
      const skipped = Math.max(s.run?.skipped ?? s.skipped, s.skippedKeys.length);
      const shown = s.skippedKeys.slice(0, 10).map((k) => JSON.stringify(k)).join(", ");
      const listed = s.skippedKeys.length < skipped ? `the first ${s.skippedKeys.length} of ${skipped}` : `all ${skipped}`;
      lines.push(`  skipped${s.run ? " (the whole run)" : ""}: ${shown}${skipped > 10 ? `, … (--json lists ${listed})` : ""}`);
    }
  } else {
    lines.push(
      `  rows: ${s.scanned} scanned, ${s.changed} changed, ${s.inserted} inserted, ${s.skipped} skipped` +
        (s.removed ? `, ${s.removed} ${s.dryRun ? "would be " : ""}removed` : "") +
        (s.conflicted ? `, ${s.conflicted} skipped because their version changed meanwhile` : "") +
        (s.failedRows ? `, ${s.failedRows} failed` : ""),
    );
  }
  const why = s.workersReason ? ` (${s.workersReason})` : "";
  lines.push(`  chunks: ${s.chunks} of ${s.chunksTotal}, workers: ${s.workers}${why}, ${s.pids.length} process${s.pids.length === 1 ? "" : "es"} ${s.dryRun ? "ran" : "saved"} chunks`);
  if (s.rows) lines.push(`  ${s.rows}`);
  lines.push(`  time: ${(s.wallMs / 1000).toFixed(2)} s wall, ${(s.jobMs / 1000).toFixed(2)} s job, ${Math.round(s.rowsPerSecond)} rows/s`);
  // A hold is a pause, the database's health or the script's throttle: the reason says which.
  if (s.heldMs > 0) lines.push(`  held ${(s.heldMs / 1000).toFixed(1)} s (last reason: ${s.lastHoldReason})`);
  if (s.dryRun && Object.keys(s.columns).length) {
    lines.push(`  would change: ${Object.entries(s.columns).map(([c, n]) => `${c} ×${n}`).join(", ")}`);
  }
  if (s.dryRun) {
    for (const sample of s.samples.map(sampleChanges)) {
      if (sample.removed) {
        lines.push(`    ${sample.key}: would be ${sample.removed}`);
        continue;
      }
      lines.push(`    ${sample.key}: ${sample.changes.map((c) => `${c.column}: ${c.before} → ${c.after}`).join(", ")}`);
    }
  }
  if (s.message) lines.push(`  ${s.message}`);
  if (s.run) lines.push(wholeRun(s, s.run));
  return lines.join("\n");
}

/**
 * The last line: the whole run's totals from the ledger, whichever participant
 * or attempt did the work (a run resumed or joined shows its own share above).
 */
function wholeRun(s: RunSummary, run: NonNullable<RunSummary["run"]>): string {
  const who = run.participants > 1 ? `the run, ${run.participants} participants` : "the run";
  const counts =
    s.revertOf !== undefined
      ? `${run.scanned} in the before-images, ${run.changed} restored, ${run.skipped} skipped, ${run.deleted} deleted` + (run.inserted ? `, ${run.inserted} re-inserted` : "")
      : `${run.scanned} scanned, ${run.changed} changed, ${run.inserted} inserted, ${run.skipped} skipped` + (run.removed ? `, ${run.removed} removed` : "") + (run.conflicted ? `, ${run.conflicted} skipped on a version change` : "");
  const own = (["scanned", "changed", "inserted", "skipped", "deleted", "removed"] as const).some((k) => s[k] !== run[k]);
  // A cancelled or failed run wrote only some of its planned chunks.
  const chunks = run.chunksWritten !== undefined && run.chunksWritten < run.chunks ? `${run.chunksWritten} of ${run.chunks}` : `${run.chunks}`;
  return `  ${who}: ${counts} in ${chunks} chunks${own ? " (this invocation's share above)" : ""}`;
}
