import { isLive } from "./participants";
import type { Sql } from "./sql";

/**
 * What the dashboard reads about one run, by its id (finding runs is the
 * existing ledger's job). Every query here filters data_script_chunks by
 * `run_id = $1`, the leading column of its primary key, so a run's page reads
 * its own chunks through the index and never the whole table (docs/dashboard.md
 * shows the plans on a ledger holding a 1,000-chunk run among others).
 * Rows come back as `to_jsonb(row)`, so columns added by later ledger versions
 * (control_*, hold_reason) are read when present, without a query per version.
 */

/** A run's row as JSON (timestamps as ISO strings), whatever columns this ledger version has. */
export type RunRecord = Record<string, unknown> & { id: number; script: string; status: string; kind: string };

export async function runRecord(sql: Sql, runId: number): Promise<RunRecord | undefined> {
  const [row] = await sql<{ r: RunRecord }>(`SELECT to_jsonb(r) AS r FROM data_script_runs r WHERE r.id = $1`, [runId]);
  return row?.r;
}

/** Every run of a script in the app's namespace (applies, reverts, dry runs), newest first. */
export async function runsOfScript(sql: Sql, namespace: string, script: string, limit = 200): Promise<RunRecord[]> {
  const rows = await sql<{ r: RunRecord }>(
    `SELECT to_jsonb(r) AS r FROM data_script_runs r WHERE r.namespace = $3 AND r.script = $1 ORDER BY r.id DESC LIMIT $2`,
    [script, limit, namespace],
  );
  return rows.map((row) => row.r);
}

/** The latest revert of a run, if any. */
export async function revertOf(sql: Sql, runId: number): Promise<RunRecord | undefined> {
  const [row] = await sql<{ r: RunRecord }>(
    `SELECT to_jsonb(r) AS r FROM data_script_runs r
     WHERE (r.namespace, r.script) = (SELECT namespace, script FROM data_script_runs WHERE id = $1) AND r.kind = 'revert' AND r.reverts = $1 AND NOT r.dry_run
     ORDER BY r.id DESC LIMIT 1`,
    [runId],
  );
  return row?.r;
}

/**
 * One cell of the chunk map: `claimed` is a pending chunk a chunk transaction
 * holds right now (its row is locked FOR UPDATE by a transaction still in
 * progress: the row's xmax is a running backend's xid), `held` one waiting out
 * a retry back-off.
 */
export type ChunkState = "pending" | "claimed" | "saved" | "done" | "failed" | "held";

export interface ChunkCell {
  no: number;
  state: ChunkState;
  rows: number;
  attempts: number;
}

export async function chunkCells(sql: Sql, runId: number): Promise<ChunkCell[]> {
  const rows = await sql<{ no: number; state: ChunkState; rows: number; attempts: number }>(
    `WITH busy AS (SELECT backend_xid::text AS xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL)
     SELECT c.chunk_no AS no, c.rows, c.attempts,
       CASE WHEN c.status <> 'pending' THEN c.status
            WHEN c.xmax::text <> '0' AND c.xmax::text IN (SELECT xid FROM busy) THEN 'claimed'
            WHEN c.next_attempt_at > now() THEN 'held'
            ELSE 'pending' END AS state
     FROM data_script_chunks c WHERE c.run_id = $1 ORDER BY c.chunk_no`,
    [runId],
  );
  return rows;
}

/** Rows written per participant per time bucket (from each chunk's saved_at and saved_by): the throughput chart. */
export interface ThroughputPoint {
  bucket: number;
  participant: number | null;
  rows: number;
}

export async function throughput(sql: Sql, runId: number, bucketSeconds: number, since: string): Promise<ThroughputPoint[]> {
  const rows = await sql<{ bucket: number; participant: number | null; rows: string }>(
    `SELECT floor(extract(epoch FROM c.saved_at - $3::timestamptz) / $2)::int AS bucket, c.saved_by AS participant, sum(c.rows) AS rows
     FROM data_script_chunks c WHERE c.run_id = $1 AND c.saved_at IS NOT NULL
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [runId, bucketSeconds, since],
  );
  return rows.map((r) => ({ bucket: r.bucket, participant: r.participant, rows: Number(r.rows) }));
}

/** The first and last chunk save of the run, by the server's clock, and the server's now. */
export async function savedSpan(sql: Sql, runId: number): Promise<{ first: string | null; last: string | null; now: string }> {
  const [row] = await sql<{ first: string | null; last: string | null; now: string }>(
    `SELECT to_jsonb(min(c.saved_at)) #>> '{}' AS first, to_jsonb(max(c.saved_at)) #>> '{}' AS last, to_jsonb(now()) #>> '{}' AS now
     FROM data_script_chunks c WHERE c.run_id = $1`,
    [runId],
  );
  return row;
}

/** The run's participants as JSON rows, with liveness, heartbeat age, what they saved and their recent pace (rows saved in the last `recentSeconds`). */
export type ParticipantRecord = Record<string, unknown> & {
  id: number;
  label: string;
  state: string;
  workers: number;
  live: boolean;
  silent_s: number;
  recent_rows: number;
  /** Rows and chunks it committed (from the chunks' saved_by), and how long it has been (or was) at work. */
  saved_rows: number;
  saved_chunks: number;
  active_s: number;
};

export async function participantRecords(sql: Sql, runId: number, recentSeconds: number): Promise<ParticipantRecord[]> {
  return sql<ParticipantRecord>(
    `SELECT to_jsonb(p) || jsonb_build_object(
       'live', ${isLive("p")},
       'silent_s', extract(epoch FROM now() - p.heartbeat_at)::float8,
       'held_s', CASE WHEN (to_jsonb(p) ->> 'held_since') IS NOT NULL
                      THEN extract(epoch FROM now() - (to_jsonb(p) ->> 'held_since')::timestamptz)::float8 END,
       'recent_rows', saved.recent, 'saved_rows', saved.rows, 'saved_chunks', saved.chunks,
       'active_s', extract(epoch FROM coalesce(p.finished_at, now()) - p.started_at)::float8)
     AS p FROM data_script_participants p
     CROSS JOIN LATERAL (
       SELECT coalesce(sum(c.rows) FILTER (WHERE c.saved_at > now() - make_interval(secs => $2)), 0) AS recent,
              coalesce(sum(c.rows), 0) AS rows, count(*) AS chunks
       FROM data_script_chunks c WHERE c.run_id = p.run_id AND c.saved_by = p.id) saved
     WHERE p.run_id = $1 ORDER BY p.id`,
    [runId, recentSeconds],
  ).then((rows) => rows.map((r) => (r as unknown as { p: ParticipantRecord }).p));
}

/** Chunk counts and row totals by status. */
export interface ChunkTotals {
  byStatus: Record<string, number>;
  rowsSettled: number;
  changed: number;
  inserted: number;
  recentRows: number;
}

export async function chunkTotals(sql: Sql, runId: number, recentSeconds: number): Promise<ChunkTotals> {
  const rows = await sql<{ status: string; n: number; rows: string; changed: string; inserted: string; recent: string }>(
    `SELECT c.status, count(*)::int AS n, coalesce(sum(c.rows), 0) AS rows, coalesce(sum(c.changed), 0) AS changed,
            coalesce(sum(c.inserted), 0) AS inserted,
            coalesce(sum(c.rows) FILTER (WHERE c.saved_at > now() - make_interval(secs => $2)), 0) AS recent
     FROM data_script_chunks c WHERE c.run_id = $1 GROUP BY c.status`,
    [runId, recentSeconds],
  );
  const totals: ChunkTotals = { byStatus: {}, rowsSettled: 0, changed: 0, inserted: 0, recentRows: 0 };
  for (const r of rows) {
    totals.byStatus[r.status] = r.n;
    if (r.status === "saved" || r.status === "done") {
      totals.rowsSettled += Number(r.rows);
      totals.changed += Number(r.changed);
      totals.inserted += Number(r.inserted);
    }
    totals.recentRows += Number(r.recent);
  }
  return totals;
}

/** What failed: chunks failed for good (or retrying, with their last error), and the unresolved rows recorded under --continue-on-error. */
export interface FailureRecord {
  chunk: number;
  rowKey: unknown;
  input: unknown;
  message: string;
  /** The stack trace behind it (credentials masked); null when none was kept (older ledgers, errors without one). */
  stack: string | null;
  attempts: number | null;
  kind: "chunk" | "row";
}

export async function failuresOf(sql: Sql, runId: number, limit = 100): Promise<FailureRecord[]> {
  // error_stack through to_jsonb: a ledger from before it reads as null.
  const chunks = await sql<{ chunk: number; message: string; stack: string | null; attempts: number }>(
    `SELECT c.chunk_no AS chunk, c.error AS message, to_jsonb(c) ->> 'error_stack' AS stack, c.attempts FROM data_script_chunks c
     WHERE c.run_id = $1 AND c.error IS NOT NULL AND c.status IN ('failed', 'pending') ORDER BY c.chunk_no LIMIT $2`,
    [runId, limit],
  );
  const rows = await sql<{ chunk: number; row_key: unknown; input: unknown; message: string; stack: string | null }>(
    `SELECT f.chunk_no AS chunk, f.row_key, f.input, f.error AS message, to_jsonb(f) ->> 'error_stack' AS stack FROM data_script_failures f
     WHERE f.run_id = $1 AND NOT f.resolved ORDER BY f.id LIMIT $2`,
    [runId, limit],
  );
  return [
    ...chunks.map((c) => ({ chunk: c.chunk, rowKey: null, input: null, message: c.message, stack: c.stack, attempts: c.attempts, kind: "chunk" as const })),
    ...rows.map((r) => ({ chunk: r.chunk, rowKey: r.row_key, input: r.input, message: r.message, stack: r.stack, attempts: null, kind: "row" as const })),
  ];
}

/** The control requests recorded for a run (pause, resume, cancel), oldest first; none on a ledger without the table. */
export async function controlsOf(sql: Sql, runId: number): Promise<Record<string, unknown>[]> {
  const [exists] = await sql<{ t: string | null }>(`SELECT to_regclass('data_script_controls')::text AS t`);
  if (!exists?.t) return [];
  const rows = await sql<{ c: Record<string, unknown> }>(`SELECT to_jsonb(c) AS c FROM data_script_controls c WHERE c.run_id = $1 ORDER BY c.id`, [runId]);
  return rows.map((r) => r.c);
}
