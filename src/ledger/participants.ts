import type { Sql } from "./sql";
import type { StoredText } from "./stored-text";

/**
 * A participant is one process working on a run: a host's parent and its
 * workers, every worker session named by one application_name, its parent's
 * ledger session known by its pid. Its parent
 * holds a session-level advisory lock on (LIVENESS, id) for as long as it
 * lives, so a killed process is seen as gone at once (its session closes), and
 * heartbeats by the server's clock, so a paused one (SIGSTOP, a long GC, a
 * partition: its sessions still open) is seen as silent once the lease passes.
 */
export const LIVENESS = 1685287009; // "dspa": the advisory-lock namespace of participants

export type ParticipantState = "active" | "finished" | "left" | "evicted" | "failed";

export interface ParticipantRow {
  id: number;
  run_id: number;
  label: string;
  app_name: string;
  host: string | null;
  pid: number | null;
  workers: number;
  state: ParticipantState;
  backend_pids: number[];
  chunks_done: number;
  rows_done: string;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
  error: string | null;
  /** Why it holds right now (a pause, replication lag, lock timeouts, the script's throttle) and since when; null when not held. */
  hold_reason: string | null;
  held_since: Date | null;
  /** Its process still holds its liveness lock. */
  live: boolean;
  /** Seconds since its last heartbeat, by the server's clock. */
  silent_s: number;
}

/**
 * A participant is live while its parent's session holds this lock: an SQL condition on `<alias>.id`.
 * pg_locks lists every database's locks, and participant ids restart in each: only this database's count.
 */
export function isLive(alias: string): string {
  // pg_locks is the whole server's: a participant with the same id in another database is not this one.
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid::bigint = ${LIVENESS} AND l.objid::bigint = ${alias}.id)`;
}

export async function joinRun(
  sql: Sql,
  fields: { runId: number; label: string; appName: string; host: string; pid: number; workers: number },
): Promise<number> {
  const [row] = await sql<{ id: number }>(
    `INSERT INTO data_script_participants (run_id, label, app_name, host, pid, workers, ledger_pid)
     VALUES ($1, $2, $3, $4, $5, $6, pg_backend_pid()) RETURNING id`,
    [fields.runId, fields.label, fields.appName, fields.host, fields.pid, fields.workers],
  );
  await sql(`SELECT pg_advisory_lock(${LIVENESS}, $1)`, [row.id]);
  return row.id;
}

/**
 * Records that the participant is alive and how far it got; its state back
 * (`evicted` once another participant found it silent past the lease).
 */
export async function heartbeat(
  sql: Sql,
  id: number,
  progress: { chunks: number; rows: number; hold?: { reason: string; heldMs: number } },
): Promise<ParticipantState | undefined> {
  const [row] = await sql<{ state: ParticipantState }>(
    `UPDATE data_script_participants SET
       heartbeat_at = CASE WHEN state = 'active' THEN now() ELSE heartbeat_at END,
       chunks_done = $2, rows_done = $3, hold_reason = $4::text,
       held_since = CASE WHEN $4::text IS NULL THEN NULL ELSE now() - make_interval(secs => $5::numeric / 1000) END,
       backend_pids = coalesce((SELECT array_agg(a.pid ORDER BY a.pid) FROM pg_stat_activity a
                                WHERE a.application_name = app_name OR a.pid = pg_backend_pid()), '{}')
     WHERE id = $1 RETURNING state`,
    [id, progress.chunks, progress.rows, progress.hold?.reason ?? null, progress.hold?.heldMs ?? 0],
  );
  return row?.state;
}

/**
 * Evicts the run's active participants silent for longer than the lease, then
 * terminates every session of theirs: their in-flight chunks roll back (for
 * others to claim), and since a chunk is marked saved only by an active
 * participant, in the transaction that writes its data, an evicted one can
 * never commit again. The state goes first, the sessions after: a session the
 * sweep cannot have seen starts after the eviction committed and sees it.
 */
export async function evictSilent(sql: Sql, runId: number, me: number, leaseMs: number): Promise<{ id: number; label: string }[]> {
  const evicted = await sql<{ id: number; label: string; app_name: string; ledger_pid: number | null }>(
    `UPDATE data_script_participants SET state = 'evicted', finished_at = now(),
       error = 'silent for more than the lease (' || $3::text || ' ms): evicted, its chunks taken over by the others'
     WHERE run_id = $1 AND id <> $2 AND state = 'active' AND heartbeat_at < now() - make_interval(secs => $3::numeric / 1000)
     RETURNING id, label, app_name, ledger_pid`,
    [runId, me, leaseMs],
  );
  for (const participant of evicted) await terminateSessions(sql, participant.app_name, participant.ledger_pid);
  return evicted.map(({ id, label }) => ({ id, label }));
}

/** Its workers' sessions, by their name, and its parent's ledger session, by its pid. */
export async function terminateSessions(sql: Sql, appName: string, ledgerPid: number | null): Promise<void> {
  await sql(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE (application_name = $1 OR pid = $2) AND pid <> pg_backend_pid()`,
    [appName, ledgerPid],
  );
}

export async function participantState(sql: Sql, id: number): Promise<ParticipantState | undefined> {
  return (await sql<{ state: ParticipantState }>(`SELECT state FROM data_script_participants WHERE id = $1`, [id]))[0]?.state;
}

/** How the participant ends: finished (its work done), left (interrupted), failed. Only an active one moves. */
export async function leaveRun(sql: Sql, id: number, state: Exclude<ParticipantState, "active" | "evicted">, error?: StoredText | null): Promise<ParticipantState | undefined> {
  const [row] = await sql<{ state: ParticipantState }>(
    `UPDATE data_script_participants SET state = CASE WHEN state = 'active' THEN $2 ELSE state END,
       finished_at = coalesce(finished_at, now()), error = coalesce(error, $3), hold_reason = NULL, held_since = NULL
     WHERE id = $1 RETURNING state`,
    [id, state, error ?? null],
  );
  await sql(`SELECT pg_advisory_unlock(${LIVENESS}, $1)`, [id]);
  return row?.state;
}

/** Every participant of the run, oldest first, with whether its process still lives. */
export async function participantsOf(sql: Sql, runId: number): Promise<ParticipantRow[]> {
  return sql<ParticipantRow>(
    `SELECT p.*, ${isLive("p")} AS live, extract(epoch FROM now() - p.heartbeat_at)::float8 AS silent_s
     FROM data_script_participants p WHERE p.run_id = $1 ORDER BY p.id`,
    [runId],
  );
}

/** Live, active participants of the run other than `me` (none: the run has no one working on it). */
export async function othersAtWork(sql: Sql, runId: number, me: number | null): Promise<number> {
  const [row] = await sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM data_script_participants p
     WHERE p.run_id = $1 AND p.id IS DISTINCT FROM $2 AND p.state = 'active' AND ${isLive("p")}`,
    [runId, me],
  );
  return row.n;
}

/** The whole run's progress: what its participants (past ones too) reported with their heartbeats. */
export async function runProgress(sql: Sql, runId: number): Promise<{ chunks: number; rows: number }> {
  const [row] = await sql<{ chunks: number; rows: string }>(
    `SELECT coalesce(sum(chunks_done), 0)::int AS chunks, coalesce(sum(rows_done), 0) AS rows FROM data_script_participants WHERE run_id = $1`,
    [runId],
  );
  return { chunks: row.chunks, rows: Number(row.rows) };
}
