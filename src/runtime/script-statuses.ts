import { connectDataSource } from "../database/connect";
import { postgresOptions } from "../database/postgres-options";
import { openTarget, type Target } from "../database/target";
import { openRunLedger, type ParticipantRow, type RunRow } from "../ledger/ledger";
import { redactSecrets } from "../database/redact";
import { maskParams } from "../report/mask-params";
import type { DataScript } from "../script/data-script";
import { checksumOf, listScripts, loadScript, type ScriptEntry } from "../script/load-script";
import { resolveTargetSettings, type TargetOptions, type TargetSettings } from "../settings/settings";
import { claimLegacyRuns } from "./legacy-runs";
import { scriptsFolder, withDefaults, type RunHooks } from "./run-script";

export interface ScriptStatus {
  script: string;
  /** The script class's `static description`, or why the file could not be loaded. */
  description: string | null;
  /**
   * `reverted`: its last run was undone and its file is unchanged since (run --pending leaves it
   * alone: running it again would re-apply the mistake); once the file changes it is `pending` again.
   */
  status: "pending" | "running" | "completed" | "failed" | "interrupted" | "reverted" | "paused" | "cancelled";
  /** The latest operator request on its last run (pause, resume, cancel): who (user@host), when, why. */
  control?: { action: "pause" | "resume" | "cancel"; by: string; at: string; reason: string | null };
  /** The file changed since its last run. */
  changedSinceRun: boolean;
  /** Its last run kept before-images that `data-script revert` can undo it with. */
  revertible: boolean;
  /** The last revert of the script: which run it undid, how it went, what it did. */
  lastRevert?: { runId: number; of: number; status: string; restored: number; skipped: number; deleted: number; reinserted: number };
  lastRunId: number | null;
  lastRunAt: string | null;
  rowsScanned: number;
  rowsChanged: number;
  rowsInserted: number;
  /** Rows its mutate removed (deleted or soft-removed). */
  rowsRemoved: number;
  error: string | null;
  /** The latest run's validated parameters (as JSON), or null before the first run. */
  params: Record<string, unknown> | null;
  /** The latest run's --input file, as named, and its SHA-256. */
  input: { name: string; checksum: string } | null;
  /** A running run's participants (the hosts working on it), with their last heartbeat and pace. */
  participants?: ParticipantStatus[];
}

export interface ParticipantStatus {
  label: string;
  /** active / finished / left / evicted / failed; `dead` for an active one whose process is gone. */
  state: string;
  lastHeartbeatAt: string;
  /** Seconds since that heartbeat, by the server's clock. */
  silentFor: number;
  chunks: number;
  rows: number;
  rowsPerSecond: number;
  /** Why it holds right now (a pause, replication lag, lock timeouts, the script's throttle) and since when; absent when not held. */
  hold?: { reason: string; since: string };
}

/** Each script in the folder with the state of its latest real run (what `status` and `check` print). */
export async function scriptStatuses(options: TargetOptions & Pick<RunHooks, "log"> = {}): Promise<ScriptStatus[]> {
  const { log, ...rest } = options;
  const settings = resolveTargetSettings(rest);
  const scripts = listScripts(scriptsFolder(settings), settings.scripts);
  const target = await openTarget({ ...settings, log: withDefaults({ log }).log });
  try {
    return await statusesOn(settings, scripts, target);
  } finally {
    await target.release();
  }
}

/**
 * `check`: every script completed, or reverted and unchanged since (what
 * `run --pending` would leave alone: `ok`, since a deploy has nothing left to
 * run; re-running it would re-apply the mistake). `open` lists the others,
 * `reverted` the scripts left alone for that reason (check names them).
 */
export async function checkScripts(
  options: TargetOptions & Pick<RunHooks, "log"> = {},
): Promise<{ ok: boolean; open: ScriptStatus[]; reverted: ScriptStatus[]; completed: number }> {
  const statuses = await scriptStatuses(options);
  const open = statuses.filter((s) => !settled(s));
  const reverted = statuses.filter((s) => s.status === "reverted");
  return { ok: open.length === 0, open, reverted, completed: statuses.length - open.length - reverted.length };
}

/** Nothing for `run --pending` to do: completed, or reverted with its file unchanged. */
export function settled(status: Pick<ScriptStatus, "status">): boolean {
  return status.status === "completed" || status.status === "reverted";
}

/**
 * `describe`: load each script for its description (status does; run --pending need not).
 * `connectFirst`: connect through the DataSource first (what it asks for on start, migrations, as a run
 * would); a caller reading again on the same target (the dashboard, every 2 s) did that already.
 */
export async function statusesOn(settings: TargetSettings, scripts: ScriptEntry[], target: Target, describeScripts = true, connectFirst = true): Promise<ScriptStatus[]> {
  if (connectFirst) {
    await connectDataSource(target.dataSource);
    await target.dataSource.destroy();
  }
  const ledger = await openRunLedger(postgresOptions(target.dataSource), settings.namespace);
  try {
    await claimLegacyRuns(ledger, scripts.map((s) => ({ name: s.name, checksum: checksumOf(s.file) })));
    const runs = await ledger.latestOfEach();
    const reverts = await ledger.latestOfEach("revert");
    const statuses: ScriptStatus[] = [];
    for (const { name, file } of scripts) {
      const run = runs.get(name);
      const participants = run?.status === "running" || run?.status === "paused" ? await ledger.participants(run.id) : [];
      const crashed = run?.status === "running" && !participants.some((p) => p.state === "active" && p.live);
      const changedSinceRun = run ? run.checksum !== checksumOf(file) : false;
      const revert = reverts.get(name);
      const counts = hasNoTotalsYet(run) ? await ledger.counts(run.id) : undefined;
      const revertCounts = hasNoTotalsYet(revert) ? await ledger.counts(revert.id) : undefined;
      let status: ScriptStatus["status"] = crashed ? "interrupted" : run?.status ?? "pending";
      if (status === "reverted" && changedSinceRun) status = "pending"; // a fixed version
      statuses.push({
        script: name,
        description: describeScripts ? describe({ name, file }) : null,
        status,
        changedSinceRun,
        revertible: run?.undo === "kept" && ["completed", "failed", "interrupted", "cancelled"].includes(status),
        ...(run?.control_by && run.control_at ? { control: { action: run.control_action ?? "pause", by: run.control_by, at: run.control_at.toISOString(), reason: run.control_reason } } : {}),
        ...(revert
          ? {
              lastRevert: {
                runId: revert.id,
                of: revert.reverts!,
                status: revert.status,
                restored: revertCounts?.changed ?? Number(revert.rows_changed),
                skipped: revertCounts?.skipped ?? Number(revert.rows_skipped),
                deleted: revertCounts?.deleted ?? Number(revert.rows_deleted),
                reinserted: revertCounts?.inserted ?? Number(revert.rows_inserted),
              },
            }
          : {}),
        lastRunId: run?.id ?? null,
        lastRunAt: run ? (run.finished_at ?? run.started_at).toISOString() : null,
        rowsScanned: counts?.scanned ?? Number(run?.rows_scanned ?? 0),
        rowsChanged: counts?.changed ?? Number(run?.rows_changed ?? 0),
        rowsInserted: counts?.inserted ?? Number(run?.rows_inserted ?? 0),
        rowsRemoved: counts?.removed ?? Number(run?.rows_removed ?? 0),
        error: crashed ? `its process died; resume it with: data-script ${name}` : run?.error ?? null,
        ...(participants.length && !crashed ? { participants: participants.map(participantStatus) } : {}),
        params: run?.params ? maskParams(run.params) : null,
        input: run?.input_name && run.input_checksum ? { name: run.input_name, checksum: run.input_checksum } : null,
      });
    }
    return statuses;
  } finally {
    await ledger.close();
  }
}

function participantStatus(p: ParticipantRow): ParticipantStatus {
  const rows = Number(p.rows_done);
  const seconds = Math.max((p.heartbeat_at.getTime() - p.started_at.getTime()) / 1000, 0.001);
  return {
    label: p.label,
    state: p.state === "active" && !p.live ? "dead" : p.state,
    lastHeartbeatAt: p.heartbeat_at.toISOString(),
    silentFor: Math.round(p.silent_s * 10) / 10,
    chunks: p.chunks_done,
    rows,
    rowsPerSecond: Math.round(rows / seconds),
    ...(p.hold_reason && p.held_since ? { hold: { reason: p.hold_reason, since: p.held_since.toISOString() } } : {}),
  };
}

/** The script's one-line description; a script that does not load says why instead of failing the whole listing. */
function describe(entry: ScriptEntry): string | null {
  try {
    const { script } = loadScript(entry);
    return (script.constructor as typeof DataScript).description ?? null;
  } catch (error) {
    return `(cannot load: ${redactSecrets((error as Error)?.message ?? String(error)).split("\n")[0]})`;
  }
}

/** A run still `running` or `paused` in the ledger (at work, held, or its process killed) has no totals yet: its saved chunks have. */
function hasNoTotalsYet(run: RunRow | undefined): run is RunRow {
  return run?.status === "running" || run?.status === "paused";
}
