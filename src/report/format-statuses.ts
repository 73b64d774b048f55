import { redactSecrets } from "../database/redact";
import type { ScriptStatus } from "../runtime/script-statuses";

/** A parameter's value longer than this is cut in the table (`status --json` has it whole). */
export const SHOWN_PARAM_MAX = 80;

/** `status` as a table: one line per script; credentials masked as `--json` masks them. */
export function formatStatuses(statuses: ScriptStatus[]): string {
  return redactSecrets(statusLines(statuses));
}

function statusLines(statuses: ScriptStatus[]): string {
  if (!statuses.length) return "no scripts";
  const width = Math.max(...statuses.map((s) => s.script.length));
  return statuses
    .map((s) => {
      const when = s.lastRunAt ? ` run #${s.lastRunId} ${s.lastRunAt}` : "";
      const rows = s.lastRunId ? `, ${s.rowsScanned} scanned, ${s.rowsChanged} changed, ${s.rowsInserted} inserted${s.rowsRemoved ? `, ${s.rowsRemoved} removed` : ""}` : "";
      const changed = s.changedSinceRun ? "  (file changed since it ran)" : "";
      const revert = s.lastRevert
        ? `  (revert run #${s.lastRevert.runId} of run #${s.lastRevert.of}: ${s.lastRevert.status}, ${s.lastRevert.restored} restored, ${s.lastRevert.skipped} skipped, ${s.lastRevert.deleted} deleted${s.lastRevert.reinserted ? `, ${s.lastRevert.reinserted} re-inserted` : ""})`
        : "";
      const revertible = s.revertible ? "  (revertible)" : "";
      const params = s.params && Object.keys(s.params).length ? `  params: ${formatParams(s.params)}` : "";
      const input = s.input ? `  input: ${s.input.name} (sha256 ${s.input.checksum.slice(0, 12)}…)` : "";
      const description = s.description ? `  — ${s.description}` : "";
      const control = s.control ? `  (${CONTROL_VERB[s.control.action]} by ${s.control.by} at ${s.control.at}${s.control.reason ? `: "${s.control.reason}"` : ""})` : "";
      const participants = (s.participants ?? []).map(
        (p) =>
          `\n${" ".repeat(width + 2)}  ${p.label}  ${p.state}, ${p.chunks} chunks, ${p.rows} rows, ${p.rowsPerSecond} rows/s, heartbeat ${p.silentFor} s ago` +
          (p.hold ? `, held since ${p.hold.since}: ${p.hold.reason}` : ""),
      );
      return `${s.script.padEnd(width)}  ${s.status.padEnd(11)}${when}${rows}${control}${changed}${revertible}${revert}${params}${input}${description}${participants.join("")}`;
    })
    .join("\n");
}

const CONTROL_VERB = { pause: "paused", resume: "resumed", cancel: "cancelled" } as const;

/** `since=2024-01-01T00:00:00.000Z, limit=100`: strings bare, anything else as JSON, a long value cut. */
function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${cut(typeof v === "string" ? v : JSON.stringify(v))}`)
    .join(", ");
}

function cut(text: string): string {
  if (text.length <= SHOWN_PARAM_MAX) return text;
  return `${text.slice(0, SHOWN_PARAM_MAX)}… (${text.length.toLocaleString("en-US")} characters; status --json shows it whole)`;
}
