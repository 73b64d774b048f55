import type { RowCounts } from "../messages";
import type { RunRow } from "./runs";
import type { Sql } from "./sql";
import type { ControlAction, RunStatus } from "./transitions";

/**
 * Operators' requests on a run (pause, resume, cancel), from any machine: the
 * run's status moves in one statement, only from the statuses the request
 * allows (transitions.ts), and the request is kept in data_script_controls
 * with who, when (the server's clock) and why. Participants never receive a
 * message: each reads the run's status where it already reads the ledger.
 */

/** One request, as the history keeps it. */
export interface ControlRow {
  id: number;
  run_id: number;
  action: ControlAction;
  by: string;
  at: Date;
  reason: string | null;
}

/** What a participant reads of its run to know whether to hold or stop. */
export interface ControlState {
  status: RunStatus;
  control_by: string | null;
  control_at: Date | null;
  control_reason: string | null;
  error: string | null;
}

/**
 * Moves the run from one of `from` to `to` and records the request; undefined
 * when the run is no longer in one of `from` (another request got there first).
 * A cancel ends the run at once (finished_at, and an error saying who
 * cancelled it and why); its participants stop at their next chunk boundary.
 */
export async function requestControl(
  sql: Sql,
  runId: number,
  move: { action: ControlAction; from: RunStatus[]; to: RunStatus },
  request: { by: string; reason: string | null },
): Promise<RunRow | undefined> {
  const [row] = await sql<RunRow>(
    `WITH moved AS (
       UPDATE data_script_runs SET status = $3, control_by = $4, control_at = now(), control_reason = $5, control_action = $6,
         finished_at = CASE WHEN $3 = 'cancelled' THEN now() ELSE finished_at END,
         error = CASE WHEN $3 = 'cancelled'
                      THEN 'cancelled by ' || $4 || ' at ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
                           || coalesce(': "' || $5 || '"', '')
                      ELSE error END
       WHERE id = $1 AND status = ANY($2::text[]) RETURNING *),
     logged AS (
       INSERT INTO data_script_controls (run_id, action, "by", at, reason)
       SELECT id, control_action, control_by, control_at, control_reason FROM moved)
     SELECT * FROM moved`,
    [runId, move.from, move.to, request.by, request.reason, move.action],
  );
  return row;
}

/** Every request made on the run, oldest first (the dashboard's history). */
export async function controlsOf(sql: Sql, runId: number): Promise<ControlRow[]> {
  return sql<ControlRow>(`SELECT id::int AS id, run_id, action, "by", at, reason FROM data_script_controls WHERE run_id = $1 ORDER BY id`, [runId]);
}

export async function controlState(sql: Sql, runId: number): Promise<ControlState | undefined> {
  const [row] = await sql<ControlState>(
    `SELECT status, control_by, control_at, control_reason, error FROM data_script_runs WHERE id = $1`,
    [runId],
  );
  return row;
}

/**
 * A cancelled run's totals, from its settled chunks, once nobody works on it
 * any more: recorded by the cancel itself when no host was at work, else by
 * the last participant out (`by`; exactly one of them records).
 */
export async function recordCancelledTotals(sql: Sql, runId: number, counts: RowCounts, by: number | null): Promise<boolean> {
  const rows = await sql(
    `UPDATE data_script_runs SET rows_scanned = $2, rows_changed = $3, rows_inserted = $4, rows_skipped = $5, rows_conflicted = $6,
       rows_deleted = $7, finished_by = $8
     WHERE id = $1 AND status = 'cancelled' AND finished_by IS NULL RETURNING id`,
    [runId, counts.scanned, counts.changed, counts.inserted, counts.skipped, counts.conflicted, counts.deleted, by],
  );
  return rows.length > 0;
}
