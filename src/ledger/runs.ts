import { hostname } from "node:os";
import type { RowCounts } from "../messages";
import { RESUMABLE, type RunInputs, type RunStatus } from "./transitions";
import type { Sql } from "./sql";
import type { StoredText } from "./stored-text";

/** A dry run's sample row as the run keeps it: what would change in it (values as JSON text), or how it would go. */
export interface RunSample {
  key: string;
  changes: { column: string; before: string; after: string }[];
  removed?: "deleted" | "soft-removed";
}

export interface RunRow {
  id: number;
  script: string;
  /** The app the run belongs to; null: recorded before namespaces (see claimLegacyRuns). */
  namespace: string | null;
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
  /** Rows mutate removed (deleted or soft-removed). */
  rows_removed: string;
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

/**
 * Every lookup of a script's runs is within one namespace (one app's): two apps on one database
 * may each have a script of the same name, and one's runs are never the other's.
 */
export interface Scope {
  namespace: string;
}

/** The script's latest run that applied it (not a revert), real or dry. */
export async function latestRun(sql: Sql, scope: Scope, script: string, opts: { dryRun?: boolean } = {}): Promise<RunRow | undefined> {
  const rows = await sql<RunRow>(
    `SELECT * FROM data_script_runs WHERE namespace = $3 AND script = $1 AND dry_run = $2 AND kind = 'apply' ORDER BY id DESC LIMIT 1`,
    [script, opts.dryRun ?? false, scope.namespace],
  );
  return rows[0];
}

/** The latest real revert of a given run. */
export async function latestRevert(sql: Sql, scope: Scope, script: string, of: number): Promise<RunRow | undefined> {
  const rows = await sql<RunRow>(
    `SELECT * FROM data_script_runs WHERE namespace = $3 AND script = $1 AND NOT dry_run AND kind = 'revert' AND reverts = $2 ORDER BY id DESC LIMIT 1`,
    [script, of, scope.namespace],
  );
  return rows[0];
}

/** Latest real (non-dry) run of every script, of the given kind. */
export async function latestRuns(sql: Sql, scope: Scope, kind: RunRow["kind"] = "apply"): Promise<Map<string, RunRow>> {
  const rows = await sql<RunRow>(
    `SELECT DISTINCT ON (script) * FROM data_script_runs WHERE namespace = $2 AND NOT dry_run AND kind = $1 ORDER BY script, id DESC`,
    [kind, scope.namespace],
  );
  return new Map(rows.map((r) => [r.script, r]));
}

/** A run of this namespace by its number (a run of another app's is none of this one's). */
export async function runInScope(sql: Sql, scope: Scope, id: number): Promise<RunRow | undefined> {
  return (await sql<RunRow>(`SELECT * FROM data_script_runs WHERE id = $1 AND namespace = $2`, [id, scope.namespace]))[0];
}

/** Runs recorded before namespaces whose latest real run is not what this app's file is: see claimLegacyRuns. */
export interface UnclaimedRun {
  script: string;
  id: number;
  status: RunStatus;
  checksum: string;
  fileChecksum: string;
}

/**
 * Runs recorded before namespaces (namespace NULL) become this namespace's when this app's
 * script file is the one they ran (the latest real run's checksum is the file's), when that run
 * is unfinished, or when there is no real run (only dry ones). A completed or reverted run of
 * another file is returned instead: it may be another app's script of the same name.
 */
export async function claimLegacyRuns(sql: Sql, scope: Scope, scripts: { name: string; checksum: string }[]): Promise<UnclaimedRun[]> {
  if (!scripts.length) return [];
  const legacy = await sql<{ script: string; id: number | null; status: RunStatus | null; checksum: string | null }>(
    `SELECT s.script, r.id, r.status, r.checksum FROM (SELECT DISTINCT script FROM data_script_runs WHERE namespace IS NULL AND script = ANY($1::text[])) s
     LEFT JOIN LATERAL (SELECT id, status, checksum FROM data_script_runs r
                        WHERE r.namespace IS NULL AND r.script = s.script AND NOT r.dry_run AND r.kind = 'apply' ORDER BY id DESC LIMIT 1) r ON true`,
    [scripts.map((s) => s.name)],
  );
  const unclaimed: UnclaimedRun[] = [];
  const claim: string[] = [];
  for (const row of legacy) {
    const file = scripts.find((s) => s.name === row.script)!;
    // An unfinished run is claimed whatever its checksum: fixing the file and running it again is how one goes on.
    if (row.checksum === null || row.checksum === file.checksum || RESUMABLE.includes(row.status!)) claim.push(row.script);
    else unclaimed.push({ script: row.script, id: row.id!, status: row.status!, checksum: row.checksum, fileChecksum: file.checksum });
  }
  if (claim.length) {
    await sql(`UPDATE data_script_runs SET namespace = $1 WHERE namespace IS NULL AND script = ANY($2::text[])`, [scope.namespace, claim]);
  }
  return unclaimed;
}

export async function startRun(
  sql: Sql,
  scope: Scope,
  fields: { script: string; checksum: string; dryRun: boolean; workers: number; revertOf?: number; keepUndo?: boolean } & RunInputs,
): Promise<RunRow> {
  const [row] = await sql<RunRow>(
    `INSERT INTO data_script_runs (script, checksum, status, dry_run, workers, host, pid, kind, reverts, undo, params, params_typed, input_name, input_checksum, namespace)
     VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10::json, $11, $12, $13, $14) RETURNING *`,
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
      scope.namespace,
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
export async function finishRun(
  sql: Sql,
  id: number,
  status: RunStatus,
  counts: RowCounts,
  error?: StoredText | null,
  by?: number,
  /** A dry run's samples, as JSON whose texts went through storedText (ledger.ts). */
  samples?: string | null,
): Promise<boolean> {
  const rows = await sql(
    `UPDATE data_script_runs SET status = $2, finished_at = now(), error = $3, finished_by = $9,
       rows_scanned = $4, rows_changed = $5, rows_inserted = $6, rows_skipped = $7, rows_conflicted = $8, rows_deleted = $10, rows_removed = $11,
       samples = coalesce($12::jsonb, samples)
     WHERE id = $1 AND ($9::int IS NULL OR status = 'running') RETURNING id`,
    [id, status, error ?? null, counts.scanned, counts.changed, counts.inserted, counts.skipped, counts.conflicted, by ?? null, counts.deleted, counts.removed, samples ?? null],
  );
  return rows.length > 0;
}

