import type { Sql } from "./sql";
import type { StoredText } from "./stored-text";

/**
 * Rows (table kind: primary key) or inputs (source kind) that `mutate` threw on
 * under --continue-on-error. Recorded in the chunk's transaction; a resumed run
 * retries the unresolved ones.
 */

export interface RowFailure {
  key?: unknown;
  input?: unknown;
  error: string;
  /** The stack trace of what threw (with its causes'), shown on the dashboard's run page. */
  stack?: string;
}

export interface FailureRow {
  id: number;
  chunk_no: number;
  row_key: unknown;
  input: unknown;
  error: string;
}

export async function recordFailures(sql: Sql, runId: number, chunkNo: number, failures: (Omit<RowFailure, "stack"> & { error: StoredText; stack: StoredText | null })[]): Promise<void> {
  if (!failures.length) return;
  await sql(
    `INSERT INTO data_script_failures (run_id, chunk_no, row_key, input, error, error_stack)
     SELECT $1, $2, f.k, f.i, f.e, f.s FROM unnest($3::jsonb[], $4::jsonb[], $5::text[], $6::text[]) AS f(k, i, e, s)`,
    [
      runId,
      chunkNo,
      failures.map((f) => (f.key === undefined ? null : storable(f.key))),
      failures.map((f) => (f.input === undefined ? null : storable(f.input))),
      failures.map((f) => f.error.replace(/\u0000/g, "\\u0000")),
      failures.map((f) => f.stack),
    ],
  );
}

export async function openFailures(sql: Sql, runId: number): Promise<FailureRow[]> {
  const rows = await sql<FailureRow>(
    `SELECT id, chunk_no, row_key, input, error FROM data_script_failures WHERE run_id = $1 AND NOT resolved ORDER BY id`,
    [runId],
  );
  return rows.map((r) => ({ ...r, row_key: restored(r.row_key), input: restored(r.input) }));
}

/**
 * jsonb cannot hold U+0000 (`\u0000 cannot be converted to text`), and an input the database refused
 * for a NUL is exactly what must be recorded: such a value is kept as its JSON text in base64,
 * read back unchanged for the retry.
 */
const NUL_SAFE = "data-script:json-base64";

function storable(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes("\\u0000") ? JSON.stringify({ [NUL_SAFE]: Buffer.from(text, "utf8").toString("base64") }) : text;
}

function restored(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const encoded = (value as Record<string, unknown>)[NUL_SAFE];
  return typeof encoded === "string" && Object.keys(value).length === 1 ? JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) : value;
}

/** Claims failures for a retry in the retry's own transaction (at most one process retries a row). */
export async function claimFailures(sql: Sql, ids: number[]): Promise<number[]> {
  const rows = await sql<{ id: number }>(
    `SELECT id FROM data_script_failures WHERE id = ANY($1::int[]) AND NOT resolved FOR UPDATE`,
    [ids],
  );
  return rows.map((r) => r.id);
}

export async function resolveFailures(sql: Sql, ids: number[]): Promise<void> {
  if (ids.length) await sql(`UPDATE data_script_failures SET resolved = true WHERE id = ANY($1::int[])`, [ids]);
}

export async function countOpenFailures(sql: Sql, runId: number): Promise<number> {
  const [row] = await sql<{ n: string }>(`SELECT count(*) n FROM data_script_failures WHERE run_id = $1 AND NOT resolved`, [runId]);
  return Number(row.n);
}
