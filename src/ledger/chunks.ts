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
  /** The participant that committed it (and owes its afterSave while status is `saved`). */
  saved_by: number | null;
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

/** A run's totals, summed over its settled chunks: what the run row records when it finishes. */
export async function settledCounts(sql: Sql, runId: number): Promise<RowCounts> {
  const [row] = await sql<Record<keyof RowCounts, string>>(
    `SELECT coalesce(sum(rows), 0) AS scanned, coalesce(sum(changed), 0) AS changed, coalesce(sum(inserted), 0) AS inserted,
            coalesce(sum(skipped), 0) AS skipped, coalesce(sum(conflicted), 0) AS conflicted, coalesce(sum(deleted), 0) AS deleted,
            coalesce(sum(removed), 0) AS removed
     FROM data_script_chunks WHERE run_id = $1 AND status = ANY($2::text[])`,
    [runId, SETTLED],
  );
  return {
    scanned: Number(row.scanned),
    changed: Number(row.changed),
    inserted: Number(row.inserted),
    skipped: Number(row.skipped),
    conflicted: Number(row.conflicted),
    deleted: Number(row.deleted),
    removed: Number(row.removed),
  };
}

/** A resumed run tries its failed chunks again, from their first attempt. */
export async function reopenFailedChunks(sql: Sql, runId: number): Promise<void> {
  await sql(
    `UPDATE data_script_chunks SET status = 'pending', attempts = 0, next_attempt_at = NULL WHERE run_id = $1 AND status = 'failed'`,
    [runId],
  );
}

/** What is left of a run: chunks to write (claimable now or later), chunks whose afterSave is owed, and the earliest retry. */
export interface WorkLeft {
  pending: number;
  saved: number;
  /** How long until the earliest back-off ends, by the server's clock; null: none is waiting. */
  retryInMs: number | null;
}

/**
 * What is left of a run to claim: chunks to write (claimable now or after a
 * back-off) and chunks whose afterSave is owed. Counted through the partial
 * indexes on pending and saved chunks, so it stays cheap however many chunks
 * the run has done.
 */
export async function workLeft(sql: Sql, runId: number): Promise<WorkLeft> {
  const [row] = await sql<{ pending: number; saved: number; retry_in_ms: number | null }>(
    `SELECT (SELECT count(*) FROM data_script_chunks WHERE run_id = $1 AND status = 'pending')::int AS pending,
            (SELECT count(*) FROM data_script_chunks WHERE run_id = $1 AND status = 'saved')::int AS saved,
            (SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 FROM data_script_chunks
              WHERE run_id = $1 AND status = 'pending' AND next_attempt_at > now()) AS retry_in_ms`,
    [runId],
  );
  return { pending: row.pending, saved: row.saved, retryInMs: row.retry_in_ms };
}

/** Chunks failed for good (attempts used up, or --continue-on-error): counted once, when the run is finalised. */
export async function failedChunks(sql: Sql, runId: number): Promise<number> {
  const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM data_script_chunks WHERE run_id = $1 AND status = 'failed'`, [runId]);
  return row.n;
}

/** The keys a revert's chunks left alone, in chunk order, up to `limit`. */
export async function skippedKeys(sql: Sql, runId: number, limit: number): Promise<unknown[]> {
  const rows = await sql<{ key: unknown }>(
    `SELECT k.key FROM data_script_chunks c, jsonb_array_elements(c.skipped_keys) AS k(key)
     WHERE c.run_id = $1 AND c.skipped_keys IS NOT NULL ORDER BY c.chunk_no LIMIT $2`,
    [runId, limit],
  );
  return rows.map((r) => r.key);
}

/**
 * A chunk whose statement ran past its timeout becomes two: it keeps its
 * number for the first half of its key range, and the second half is a new
 * chunk (the next free number), both pending with their attempts from zero.
 */
export async function splitChunk(
  sql: Sql,
  runId: number,
  chunkNo: number,
  first: { lo: string; hi: string },
  second: { lo: string; hi: string },
): Promise<number> {
  // Two participants splitting at once may pick the same next number: the second tries again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await splitOnce(sql, runId, chunkNo, first, second);
    } catch (error) {
      if ((error as { code?: string }).code !== "23505" || attempt >= 3) throw error;
    }
  }
}

async function splitOnce(sql: Sql, runId: number, chunkNo: number, first: { lo: string; hi: string }, second: { lo: string; hi: string }): Promise<number> {
  const [row] = await sql<{ chunk_no: number }>(
    `WITH halved AS (
       UPDATE data_script_chunks SET lo = $3, hi = $4, status = 'pending', attempts = 0, next_attempt_at = NULL, error = NULL, error_stack = NULL
       WHERE run_id = $1 AND chunk_no = $2 AND status IN ('pending', 'failed') RETURNING run_id),
     added AS (
       INSERT INTO data_script_chunks (run_id, chunk_no, lo, hi)
       SELECT $1, (SELECT max(chunk_no) + 1 FROM data_script_chunks WHERE run_id = $1), $5, $6 FROM halved RETURNING chunk_no),
     counted AS (UPDATE data_script_runs SET chunks_total = chunks_total + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM added))
     SELECT chunk_no FROM added`,
    [runId, chunkNo, first.lo, first.hi, second.lo, second.hi],
  );
  return row?.chunk_no ?? 0;
}

/**
 * What the ledger holds of a run's chunks, to hold against its plan: how many rows, the highest
 * number, up to 10 numbers missing below it, and up to 10 chunks marked settled that no
 * participant saved (saved_at is set only with the data's commit). Read once, at the end of a run
 * or before resuming it: a hand-deleted or hand-marked chunk row must not let a run complete.
 */
export interface ChunkAccount {
  held: number;
  highest: number;
  missing: number[];
  unsaved: number[];
}

export async function chunkAccount(sql: Sql, runId: number): Promise<ChunkAccount> {
  const [row] = await sql<{ held: number; highest: number; unsaved: number[] }>(
    `SELECT count(*)::int AS held, coalesce(max(chunk_no), 0)::int AS highest,
            coalesce((array_agg(chunk_no ORDER BY chunk_no) FILTER (WHERE status = ANY($2::text[]) AND saved_at IS NULL))[1:10], '{}') AS unsaved
     FROM data_script_chunks WHERE run_id = $1`,
    [runId, SETTLED],
  );
  let missing: number[] = [];
  if (row.held < row.highest) {
    const gaps = await sql<{ n: number }>(
      `SELECT g AS n FROM generate_series(1, $2::int) g
       WHERE NOT EXISTS (SELECT 1 FROM data_script_chunks c WHERE c.run_id = $1 AND c.chunk_no = g) ORDER BY g LIMIT 10`,
      [runId, row.highest],
    );
    missing = gaps.map((g) => g.n);
  }
  return { held: row.held, highest: row.highest, missing, unsaved: row.unsaved };
}
