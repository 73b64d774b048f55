import type { RunSummary } from "../runtime/summary";
import { redactSecrets } from "../database/redact";

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
      const shown = s.skippedKeys.slice(0, 10).map((k) => JSON.stringify(k)).join(", ");
      lines.push(`  skipped: ${shown}${s.skipped > 10 ? `, … (--json lists ${Math.min(s.skipped, s.skippedKeys.length)})` : ""}`);
    }
  } else {
    lines.push(
      `  rows: ${s.scanned} scanned, ${s.changed} changed, ${s.inserted} inserted, ${s.skipped} skipped` +
        (s.removed ? `, ${s.removed} ${s.dryRun ? "would be " : ""}removed` : "") +
        (s.conflicted ? `, ${s.conflicted} skipped because their version changed meanwhile` : "") +
        (s.failedRows ? `, ${s.failedRows} failed` : ""),
    );
  }
  lines.push(`  chunks: ${s.chunks} of ${s.chunksTotal}, workers: ${s.workers} (${s.pids.length} process${s.pids.length === 1 ? "" : "es"})`);
  lines.push(`  time: ${(s.wallMs / 1000).toFixed(2)} s wall, ${(s.jobMs / 1000).toFixed(2)} s job, ${Math.round(s.rowsPerSecond)} rows/s`);
  if (s.heldMs > 0) lines.push(`  held ${(s.heldMs / 1000).toFixed(1)} s while the database was unhealthy (last: ${s.lastHoldReason})`);
  if (s.run && s.run.participants > 1) {
    lines.push(
      `  the run, ${s.run.participants} participants: ${s.run.scanned} scanned, ${s.run.changed} changed, ${s.run.inserted} inserted` +
        (s.run.removed ? `, ${s.run.removed} removed` : "") +
        ` in ${s.run.chunks} chunks (this host's share above)`,
    );
  }
  if (s.dryRun && Object.keys(s.columns).length) {
    lines.push(`  would change: ${Object.entries(s.columns).map(([c, n]) => `${c} ×${n}`).join(", ")}`);
  }
  if (s.dryRun) {
    for (const sample of s.samples) {
      if (sample.removed) {
        lines.push(`    ${sample.key}: would be ${sample.removed}`);
        continue;
      }
      const diffs = Object.keys(sample.after)
        .filter((k) => JSON.stringify(sample.before[k]) !== JSON.stringify(sample.after[k]))
        .map((k) => `${k}: ${JSON.stringify(sample.before[k])} → ${JSON.stringify(sample.after[k])}`);
      lines.push(`    ${sample.key}: ${diffs.join(", ")}`);
    }
  }
  if (s.message) lines.push(`  ${s.message}`);
  return lines.join("\n");
}
