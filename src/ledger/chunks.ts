import type { RowCounts } from "../messages";
import { SETTLED, type ChunkStatus } from "./transitions";
import type { Sql } from "./sql";

export interface ChunkRow {
  run_id: number;
  chunk_no: number;
  lo: string | null;
  hi: string | null;
  status: ChunkStatus;
  rows: number;
  changed: number;
  inserted: number;
  conflicted: number;
  attempts: number;
  error: string | null;
  written_keys: unknown[] | null;
}

export interface ChunkRange {
  chunkNo: number;
  lo: string | null;
  hi: string | null;
}

export async function insertChunks(sql: Sql, runId: number, chunks: ChunkRange[]): Promise<void> {
  if (!chunks.length) return;
  await sql(
    `INSERT INTO data_script_chunks (run_id, chunk_no, lo, hi)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
    [runId, chunks.map((c) => c.chunkNo), chunks.map((c) => c.lo), chunks.map((c) => c.hi)],
  );
}

export async function chunksOf(sql: Sql, runId: number): Promise<ChunkRow[]> {
  return sql<ChunkRow>(`SELECT * FROM data_script_chunks WHERE run_id = $1 ORDER BY chunk_no`, [runId]);
}

export async function deleteChunks(sql: Sql, runId: number): Promise<void> {
  await sql(`DELETE FROM data_script_chunks WHERE run_id = $1`, [runId]);
}

/**
 * Claims a chunk inside the chunk's own transaction and returns its status: the
 * row lock is held until that transaction ends, so two processes (a resumed run
 * and a worker orphaned by a killed parent) can never both apply it. The
 * transaction's lock and statement timeouts are set in the same round trip,
 * before the lock is taken.
 */
export async function claimChunk(
  sql: Sql,
  runId: number,
  chunkNo: number,
  timeouts: ChunkTimeouts,
): Promise<ChunkStatus | undefined> {
  const rows = await sql<{ status: ChunkStatus | null }>(
    `SELECT ${setTimeouts(3)},
       (SELECT status FROM data_script_chunks WHERE run_id = $1 AND chunk_no = $2 FOR UPDATE) AS status`,
    [runId, chunkNo, ...timeoutParams(timeouts)],
  );
  return rows[0].status ?? undefined;
}

export interface ChunkTimeouts {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Sets the transaction's lock and statement timeouts (a chunk that claims no ledger row: retried failures). */
export async function setChunkTimeouts(sql: Sql, timeouts: ChunkTimeouts): Promise<void> {
  await sql(`SELECT ${setTimeouts(1)}`, timeoutParams(timeouts));
}

// Transaction-local (SET LOCAL) settings, reading the two values from $n and $n+1.
function setTimeouts(n: number): string {
  return `set_config('lock_timeout', $${n}, true), set_config('statement_timeout', $${n + 1}, true)`;
}

function timeoutParams(timeouts: ChunkTimeouts): string[] {
  return [`${timeouts.lockTimeoutMs}ms`, `${timeouts.statementTimeoutMs}ms`];
}

export async function markSaved(
  sql: Sql,
  runId: number,
  chunkNo: number,
  counts: { rows: number; changed: number; inserted: number; conflicted: number },
  /** Keys of the rows written, kept while afterSave is pending so a resumed run can reload them. */
  afterSavePendingFor: unknown[] | null,
): Promise<void> {
  await sql(
    `UPDATE data_script_chunks SET status = $3, rows = $4, changed = $5, inserted = $6, conflicted = $7,
       attempts = attempts + 1, pid = $8, error = NULL, saved_at = now(), written_keys = $9::jsonb,
       done_at = CASE WHEN $3 = 'done' THEN now() END
     WHERE run_id = $1 AND chunk_no = $2`,
    [
      runId,
      chunkNo,
      afterSavePendingFor ? "saved" : "done",
      counts.rows,
      counts.changed,
      counts.inserted,
      counts.conflicted,
      process.pid,
      afterSavePendingFor ? JSON.stringify(afterSavePendingFor) : null,
    ],
  );
}

export async function markDone(sql: Sql, runId: number, chunkNo: number): Promise<void> {
  await sql(
    `UPDATE data_script_chunks SET status = 'done', done_at = now(), written_keys = NULL WHERE run_id = $1 AND chunk_no = $2`,
    [runId, chunkNo],
  );
}

export async function markFailed(sql: Sql, runId: number, chunkNo: number, error: string): Promise<void> {
  await sql(
    `UPDATE data_script_chunks SET status = CASE WHEN status = 'pending' OR status = 'failed' THEN 'failed' ELSE status END,
       attempts = attempts + 1, error = $3 WHERE run_id = $1 AND chunk_no = $2`,
    [runId, chunkNo, error],
  );
}

/** A run's totals, summed over its settled chunks: what the run row records when it finishes. */
export async function settledCounts(sql: Sql, runId: number): Promise<RowCounts> {
  const [row] = await sql<{ scanned: string; changed: string; inserted: string; conflicted: string }>(
    `SELECT coalesce(sum(rows), 0) AS scanned, coalesce(sum(changed), 0) AS changed,
            coalesce(sum(inserted), 0) AS inserted, coalesce(sum(conflicted), 0) AS conflicted
     FROM data_script_chunks WHERE run_id = $1 AND status = ANY($2::text[])`,
    [runId, SETTLED],
  );
  return { scanned: Number(row.scanned), changed: Number(row.changed), inserted: Number(row.inserted), skipped: 0, conflicted: Number(row.conflicted) };
}
