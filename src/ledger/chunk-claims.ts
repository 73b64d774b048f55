import { isLive } from "./participants";
import type { Sql } from "./sql";
import type { StoredText } from "./stored-text";
import type { ChunkStatus } from "./transitions";
import { insertUndo } from "./undo";

/**
 * How a participant's workers take chunks and record them. A chunk is claimed
 * inside its own transaction and its row stays locked until that transaction
 * ends; it is marked saved in that same transaction, together with its data,
 * and only while the participant is still active: the commit is the fence.
 */

export interface ChunkTimeouts {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Why a participant cannot take a chunk now. */
export type NoClaim =
  /** Another participant evicted this one (silent past its lease). */
  | { reason: "evicted" }
  /** The run stopped (a script error on any host) or ended. */
  | { reason: "stopped"; error: string | null; runStatus: string }
  /** Nothing claimable at this moment: chunks locked by others, or waiting for their retry. */
  | { reason: "none" };

export interface ClaimedChunk {
  chunkNo: number;
  lo: string | null;
  hi: string | null;
  /** 1 for the first attempt at this chunk. */
  attempt: number;
}

/**
 * The next pending chunk of the run whose retry time has come, skipping those
 * other transactions hold (FOR UPDATE SKIP LOCKED: no participant ever waits on
 * another's chunk). The transaction's lock and statement timeouts are set in
 * the same round trip.
 */
export async function claimNextChunk(sql: Sql, runId: number, participant: number, timeouts: ChunkTimeouts): Promise<ClaimedChunk | NoClaim> {
  const [row] = await sql<{ me: string | null; run_status: string; stop_error: string | null; chunk_no: number | null; lo: string | null; hi: string | null; attempts: number }>(
    `WITH me AS (SELECT state FROM data_script_participants WHERE id = $2),
          run AS (SELECT status, stop_error FROM data_script_runs WHERE id = $1),
          next AS (
            SELECT c.chunk_no, c.lo, c.hi, c.attempts FROM data_script_chunks c
            WHERE c.run_id = $1 AND c.status = 'pending' AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= now())
              AND (SELECT state FROM me) = 'active' AND (SELECT status FROM run) = 'running' AND (SELECT stop_error FROM run) IS NULL
            ORDER BY c.chunk_no FOR UPDATE SKIP LOCKED LIMIT 1)
     SELECT ${setTimeouts(3)}, (SELECT state FROM me) AS me, (SELECT status FROM run) AS run_status,
            (SELECT stop_error FROM run) AS stop_error, next.chunk_no, next.lo, next.hi, next.attempts
     FROM (SELECT 1) AS one LEFT JOIN next ON true`,
    [runId, participant, ...timeoutParams(timeouts)],
  );
  if (row.me !== "active") return { reason: "evicted" };
  if (row.run_status !== "running" || row.stop_error !== null) return { reason: "stopped", error: row.stop_error, runStatus: row.run_status };
  if (row.chunk_no === null) return { reason: "none" };
  return { chunkNo: row.chunk_no, lo: row.lo, hi: row.hi, attempt: row.attempts + 1 };
}

/**
 * Claims a given chunk (the parent hands out source-kind chunks and dry runs'
 * chunks itself) and returns its status; waits for a transaction that holds it.
 */
export async function claimChunk(
  sql: Sql,
  runId: number,
  chunkNo: number,
  timeouts: ChunkTimeouts,
): Promise<{ status: ChunkStatus | undefined; attempt: number }> {
  const [row] = await sql<{ status: ChunkStatus | null; attempts: number | null }>(
    `SELECT ${setTimeouts(3)}, c.status, c.attempts
     FROM (SELECT 1) AS one LEFT JOIN (SELECT status, attempts FROM data_script_chunks WHERE run_id = $1 AND chunk_no = $2 FOR UPDATE) c ON true`,
    [runId, chunkNo, ...timeoutParams(timeouts)],
  );
  return { status: row.status ?? undefined, attempt: (row.attempts ?? 0) + 1 };
}

/** Sets the transaction's lock and statement timeouts (a chunk that claims no ledger row: retried failures). */
export async function setChunkTimeouts(sql: Sql, timeouts: ChunkTimeouts): Promise<void> {
  await sql(`SELECT ${setTimeouts(1)}`, timeoutParams(timeouts));
}

// Transaction-local (SET LOCAL) settings, reading the two values from $n and $n+1.
function setTimeouts(n: number): string {
  return `set_config('lock_timeout', $${n}, true) AS lock_timeout, set_config('statement_timeout', $${n + 1}, true) AS statement_timeout`;
}

function timeoutParams(timeouts: ChunkTimeouts): string[] {
  return [`${timeouts.lockTimeoutMs}ms`, `${timeouts.statementTimeoutMs}ms`];
}

/** What a saved chunk records of itself. */
export interface SavedCounts {
  rows: number;
  changed: number;
  inserted: number;
  conflicted: number;
  skipped?: number;
  deleted?: number;
  /** Rows mutate removed (deleted or soft-removed). */
  removed?: number;
  /** A revert: the keys of the rows it left alone. */
  skippedKeys?: unknown[];
}

export class EvictedError extends Error {
  override name = "EvictedError";
}

/** A chunk's before-image, kept by the statement that marks it (see markSaved). */
export interface KeptUndo {
  image: object;
  rows: number;
}

/**
 * Marks the chunk saved (done when no afterSave is owed), in the chunk's own
 * transaction, only while the participant is active: an evicted participant's
 * transaction fails here and rolls back whole. `undo`: the chunk's before-image,
 * inserted by the same statement (one round trip per chunk less; rolled back with
 * the transaction when the participant was evicted).
 */
export async function markSaved(
  sql: Sql,
  runId: number,
  chunkNo: number,
  participant: number,
  counts: SavedCounts,
  /** Keys of the rows written, kept while afterSave is pending so whoever owes it can reload them. */
  afterSavePendingFor: unknown[] | null,
  undo?: KeptUndo,
): Promise<void> {
  const keep = undo ? `WITH kept AS (${insertUndo(15)}) ` : "";
  const rows = await sql(
    `${keep}UPDATE data_script_chunks SET status = $3, rows = $4, changed = $5, inserted = $6, conflicted = $7,
       attempts = attempts + 1, pid = $8, error = NULL, error_stack = NULL, saved_at = now(), written_keys = $9::jsonb, saved_by = $10,
       skipped = $11, deleted = $12, skipped_keys = $13::jsonb, removed = $14, done_at = CASE WHEN $3 = 'done' THEN now() END
     WHERE run_id = $1 AND chunk_no = $2
       AND EXISTS (SELECT 1 FROM data_script_participants WHERE id = $10 AND state = 'active')
     RETURNING chunk_no`,
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
      participant,
      counts.skipped ?? 0,
      counts.deleted ?? 0,
      counts.skippedKeys?.length ? JSON.stringify(counts.skippedKeys) : null,
      counts.removed ?? 0,
      ...(undo ? [JSON.stringify(undo.image), undo.rows] : []),
    ],
  );
  if (!rows.length) throw new EvictedError(`chunk ${chunkNo} not saved: this participant was evicted (silent for more than the lease); another one takes the chunk over`);
}

/**
 * A pulled chunk whose attempt failed, in that attempt's transaction (its work
 * rolled back to a savepoint, its claim still held): out of every claim's reach
 * until the participant records the attempt, which sets the real back-off. So
 * no other worker takes it in between and runs it as its first attempt again;
 * if the participant is gone before it records, the chunk comes back after `ms`.
 */
export async function holdChunk(sql: Sql, runId: number, chunkNo: number, ms: number): Promise<void> {
  await sql(
    `UPDATE data_script_chunks SET next_attempt_at = now() + make_interval(secs => $3::numeric / 1000) WHERE run_id = $1 AND chunk_no = $2`,
    [runId, chunkNo, ms],
  );
}

export async function markDone(sql: Sql, runId: number, chunkNo: number): Promise<void> {
  await sql(
    `UPDATE data_script_chunks SET status = 'done', done_at = now(), written_keys = NULL WHERE run_id = $1 AND chunk_no = $2`,
    [runId, chunkNo],
  );
}

/**
 * Takes over a chunk whose afterSave is owed by nobody alive: its participant
 * died or was evicted, or (`mine`) this participant's own worker died in it.
 * Autocommit: the chunk is this participant's from here on.
 */
export async function claimOwedAfterSave(
  sql: Sql,
  runId: number,
  participant: number,
  mine: boolean,
): Promise<{ chunkNo: number; lo: string | null; hi: string | null; keys: unknown[] } | undefined> {
  const [row] = await sql<{ chunk_no: number; lo: string | null; hi: string | null; written_keys: unknown[] | null }>(
    `UPDATE data_script_chunks c SET saved_by = $2
     WHERE (c.run_id, c.chunk_no) = (
       SELECT x.run_id, x.chunk_no FROM data_script_chunks x LEFT JOIN data_script_participants p ON p.id = x.saved_by
       WHERE x.run_id = $1 AND x.status = 'saved'
         AND (x.saved_by IS NULL OR ($3 AND x.saved_by = $2)
              OR (x.saved_by <> $2 AND (p.id IS NULL OR p.state NOT IN ('active', 'finished') OR NOT ${isLive("p")})))
       ORDER BY x.chunk_no FOR UPDATE OF x SKIP LOCKED LIMIT 1)
     RETURNING c.chunk_no, c.lo, c.hi, c.written_keys`,
    [runId, participant, mine],
  );
  return row && { chunkNo: row.chunk_no, lo: row.lo, hi: row.hi, keys: row.written_keys ?? [] };
}

const BACKOFF_MS = [100, 400, 1_600, 5_000];

/**
 * A failed attempt at a chunk, recorded where every participant sees it: the
 * chunk goes back to pending with a back-off while attempts remain and the
 * error allows it, and to failed otherwise. Returns whether it failed for good.
 */
export async function recordAttempt(
  sql: Sql,
  runId: number,
  chunkNo: number,
  failure: { error: StoredText; stack?: StoredText | null; retryable: boolean; maxRetries: number },
): Promise<{ failed: boolean; attempts: number; retryInMs: number }> {
  const [row] = await sql<{ status: string; attempts: number; retry_in_ms: number }>(
    `UPDATE data_script_chunks SET attempts = attempts + 1, error = $3, error_stack = $7,
       status = CASE WHEN $4 AND attempts + 1 <= $5 THEN 'pending' ELSE 'failed' END,
       next_attempt_at = now() + make_interval(secs => ($6::int[])[least(attempts + 1, array_length($6::int[], 1))]::numeric / 1000)
     WHERE run_id = $1 AND chunk_no = $2 AND status IN ('pending', 'failed')
     RETURNING status, attempts, (extract(epoch FROM next_attempt_at - now()) * 1000)::float8 AS retry_in_ms`,
    [runId, chunkNo, failure.error, failure.retryable, failure.maxRetries, BACKOFF_MS, failure.stack ?? null],
  );
  return { failed: row ? row.status === "failed" : false, attempts: row?.attempts ?? 0, retryInMs: row?.retry_in_ms ?? 0 };
}
