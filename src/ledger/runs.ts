import { hostname } from "node:os";
import type { RowCounts } from "../messages";
import type { RunInputs, RunStatus } from "./transitions";
import type { Sql } from "./sql";
import type { StoredText } from "./stored-text";

export interface RunRow {
  id: number;
  script: string;
  checksum: string;
  status: RunStatus;
  dry_run: boolean;
  started_at: Date;
  finished_at: Date | null;
  rows_scanned: string;
  rows_changed: string;
  rows_inserted: string;
  rows_skipped: string;
  rows_conflicted: string;
  rows_deleted: string;
  /** `apply`, or `revert` (then `reverts` is the run it undoes). */
  kind: "apply" | "revert";
  reverts: number | null;
  /** The before-images: `kept` (revertible), `none`, `used` (reverted), `pruned`. */
  undo: "kept" | "none" | "used" | "pruned";
  reverted_by: number | null;
  chunks_total: number;
  workers: number;
  error: string | null;
  host: string | null;
  pid: number | null;
  /** Set by the participant whose chunk failed for good: every participant stops at its next claim. */
  stop_error: string | null;
  /** The participant that finalised the run. */
  finished_by: number | null;
  params: Record<string, unknown> | null;
  params_typed: boolean;
  input_name: string | null;
  input_checksum: string | null;
  /** The latest pause, resume or cancel: who asked (user@host), when (the server's clock), why. */
  control_by: string | null;
  control_at: Date | null;
  control_reason: string | null;
  control_action: "pause" | "resume" | "cancel" | null;
}

/** The script's latest run that applied it (not a revert), real or dry. */
export async function latestRun(sql: Sql, script: string, opts: { dryRun?: boolean } = {}): Promise<RunRow | undefined> {
  const rows = await sql<RunRow>(
    `SELECT * FROM data_script_runs WHERE script = $1 AND dry_run = $2 AND kind = 'apply' ORDER BY id DESC LIMIT 1`,
    [script, opts.dryRun ?? false],
  );
  return rows[0];
}

/** The latest real revert of a given run. */
export async function latestRevert(sql: Sql, script: string, of: number): Promise<RunRow | undefined> {
  const rows = await sql<RunRow>(
    `SELECT * FROM data_script_runs WHERE script = $1 AND NOT dry_run AND kind = 'revert' AND reverts = $2 ORDER BY id DESC LIMIT 1`,
    [script, of],
  );
  return rows[0];
}

/** Latest real (non-dry) run of every script, of the given kind. */
export async function latestRuns(sql: Sql, kind: RunRow["kind"] = "apply"): Promise<Map<string, RunRow>> {
  const rows = await sql<RunRow>(
    `SELECT DISTINCT ON (script) * FROM data_script_runs WHERE NOT dry_run AND kind = $1 ORDER BY script, id DESC`,
    [kind],
  );
  return new Map(rows.map((r) => [r.script, r]));
}

export async function startRun(
  sql: Sql,
  fields: { script: string; checksum: string; dryRun: boolean; workers: number; revertOf?: number; keepUndo?: boolean } & RunInputs,
): Promise<RunRow> {
  const [row] = await sql<RunRow>(
    `INSERT INTO data_script_runs (script, checksum, status, dry_run, workers, host, pid, kind, reverts, undo, params, params_typed, input_name, input_checksum)
     VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10::json, $11, $12, $13) RETURNING *`,
    [
      fields.script,
      fields.checksum,
      fields.dryRun,
      fields.workers,
      hostname(),
      process.pid,
      fields.revertOf === undefined ? "apply" : "revert",
      fields.revertOf ?? null,
      fields.keepUndo && !fields.dryRun && fields.revertOf === undefined ? "kept" : "none",
      JSON.stringify(fields.params),
      fields.paramsTyped,
      fields.input?.name ?? null,
      fields.input?.checksum ?? null,
    ],
  );
  return row;
}

/** A paused run stays paused: the host that resumes it holds until someone lifts the pause. */
export async function resumeRun(sql: Sql, id: number, workers: number): Promise<void> {
  await sql(
    `UPDATE data_script_runs SET status = CASE WHEN status = 'paused' THEN 'paused' ELSE 'running' END, finished_at = NULL, finished_by = NULL, error = NULL, stop_error = NULL,
       workers = $2, host = $3, pid = $4 WHERE id = $1`,
    [id, workers, hostname(), process.pid],
  );
}

export async function runById(sql: Sql, id: number): Promise<RunRow | undefined> {
  return (await sql<RunRow>(`SELECT * FROM data_script_runs WHERE id = $1`, [id]))[0];
}

/** The first fatal error stops the run for every participant (each sees it at its next claim). */
export async function stopRun(sql: Sql, id: number, error: StoredText): Promise<void> {
  await sql(`UPDATE data_script_runs SET stop_error = coalesce(stop_error, $2) WHERE id = $1`, [id, error]);
}

export async function setChunksTotal(sql: Sql, id: number, total: number): Promise<void> {
  await sql(`UPDATE data_script_runs SET chunks_total = $2 WHERE id = $1`, [id, total]);
}

/**
 * Records how the run ended. With `by` (a participant), only while the run is
 * still running: of several participants finishing at once, exactly one
 * finalises it; the others get false.
 */
export async function finishRun(sql: Sql, id: number, status: RunStatus, counts: RowCounts, error?: StoredText | null, by?: number): Promise<boolean> {
  const rows = await sql(
    `UPDATE data_script_runs SET status = $2, finished_at = now(), error = $3, finished_by = $9,
       rows_scanned = $4, rows_changed = $5, rows_inserted = $6, rows_skipped = $7, rows_conflicted = $8, rows_deleted = $10
     WHERE id = $1 AND ($9::int IS NULL OR status = 'running') RETURNING id`,
    [id, status, error ?? null, counts.scanned, counts.changed, counts.inserted, counts.skipped, counts.conflicted, by ?? null, counts.deleted],
  );
  return rows.length > 0;
}
