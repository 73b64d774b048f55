import type { Sql } from "./sql";

/**
 * Before-images: what each chunk of a run kept so `data-script revert` can
 * undo it, written in the chunk's own transaction (so a chunk that rolls back
 * keeps none). The image itself is the undo module's; here it is stored JSON.
 */
export async function saveUndo(sql: Sql, runId: number, chunkNo: number, image: object, rows: number): Promise<void> {
  await sql(insertUndo(3), [runId, chunkNo, JSON.stringify(image), rows]);
}

/** The INSERT of a chunk's image: run and chunk in $1, $2; the image (JSON) and its row count from `$first` on (markSaved sends it inside its own statement). */
export function insertUndo(first: number): string {
  return `INSERT INTO data_script_undo (run_id, chunk_no, image, rows) VALUES ($1, $2, $${first}::jsonb, $${first + 1})`;
}

/** A chunk's images, latest first (undone in the reverse order they were taken). */
export async function undoImages(sql: Sql, runId: number, chunkNo: number): Promise<object[]> {
  const rows = await sql<{ image: object }>(`SELECT image FROM data_script_undo WHERE run_id = $1 AND chunk_no = $2 ORDER BY id DESC`, [runId, chunkNo]);
  return rows.map((r) => r.image);
}

/** A revert's chunks: one per chunk of the reverted run that kept an image. */
export async function planRevert(sql: Sql, revertRunId: number, ofRunId: number): Promise<number> {
  const rows = await sql(
    `INSERT INTO data_script_chunks (run_id, chunk_no)
     SELECT DISTINCT $1::int, chunk_no FROM data_script_undo WHERE run_id = $2 ORDER BY chunk_no
     ON CONFLICT DO NOTHING RETURNING chunk_no`,
    [revertRunId, ofRunId],
  );
  return rows.length;
}

/** How much a run's images hold: chunks, rows, and their size as stored (after PostgreSQL's compression). */
export async function undoSize(sql: Sql, runId: number): Promise<{ chunks: number; rows: number; bytes: number }> {
  const [row] = await sql<{ chunks: number; rows: string; bytes: string }>(
    `SELECT count(DISTINCT chunk_no)::int AS chunks, coalesce(sum(rows), 0) AS rows, coalesce(sum(pg_column_size(image)), 0) AS bytes
     FROM data_script_undo WHERE run_id = $1`,
    [runId],
  );
  return { chunks: row.chunks, rows: Number(row.rows), bytes: Number(row.bytes) };
}

/** Once its revert completed: the run is `reverted`, its images used. */
export async function markReverted(sql: Sql, revertRunId: number): Promise<void> {
  await sql(
    `UPDATE data_script_runs o SET status = 'reverted', undo = 'used', reverted_by = r.id
     FROM data_script_runs r WHERE r.id = $1 AND r.kind = 'revert' AND r.status = 'completed' AND o.id = r.reverts`,
    [revertRunId],
  );
}

/**
 * Deletes the images of this namespace's runs that finished before `olderThanMs` ago (not one
 * being reverted right now); those runs can no longer be reverted.
 */
export async function pruneUndo(sql: Sql, namespace: string, olderThanMs: number): Promise<{ runs: number; rows: number; bytes: number }> {
  const [row] = await sql<{ runs: number; rows: string; bytes: string }>(
    `WITH old AS (
       SELECT o.id FROM data_script_runs o
       WHERE o.namespace = $2 AND o.undo = 'kept' AND o.finished_at < now() - make_interval(secs => $1::numeric / 1000)
         AND NOT EXISTS (SELECT 1 FROM data_script_runs r WHERE r.reverts = o.id AND r.status = 'running')),
     gone AS (DELETE FROM data_script_undo u USING old WHERE u.run_id = old.id RETURNING u.rows, pg_column_size(u.image) AS bytes),
     marked AS (UPDATE data_script_runs SET undo = 'pruned' WHERE id IN (SELECT id FROM old) RETURNING id)
     SELECT (SELECT count(*) FROM marked)::int AS runs, coalesce((SELECT sum(rows) FROM gone), 0) AS rows,
            coalesce((SELECT sum(bytes) FROM gone), 0) AS bytes`,
    [olderThanMs, namespace],
  );
  return { runs: row.runs, rows: Number(row.rows), bytes: Number(row.bytes) };
}
