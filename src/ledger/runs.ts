import { hostname } from "node:os";
import type { RowCounts } from "../messages";
import type { RunInputs, RunStatus } from "./transitions";
import type { Sql } from "./sql";

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
  chunks_total: number;
  workers: number;
  error: string | null;
  host: string | null;
  pid: number | null;
  params: Record<string, unknown> | null;
  params_typed: boolean;
  input_name: string | null;
  input_checksum: string | null;
}



export async function latestRun(sql: Sql, script: string, opts: { dryRun?: boolean } = {}): Promise<RunRow | undefined> {
  const rows = await sql<RunRow>(
    `SELECT * FROM data_script_runs WHERE script = $1 AND dry_run = $2 ORDER BY id DESC LIMIT 1`,
    [script, opts.dryRun ?? false],
  );
  return rows[0];
}

/** Latest real (non-dry) run of every script. */
export async function latestRuns(sql: Sql): Promise<Map<string, RunRow>> {
  const rows = await sql<RunRow>(
    `SELECT DISTINCT ON (script) * FROM data_script_runs WHERE NOT dry_run ORDER BY script, id DESC`,
  );
  return new Map(rows.map((r) => [r.script, r]));
}

export async function startRun(
  sql: Sql,
  fields: { script: string; checksum: string; dryRun: boolean; workers: number } & RunInputs,
): Promise<RunRow> {
  const [row] = await sql<RunRow>(
    `INSERT INTO data_script_runs (script, checksum, status, dry_run, workers, host, pid, params, params_typed, input_name, input_checksum)
     VALUES ($1, $2, 'running', $3, $4, $5, $6, $7::json, $8, $9, $10) RETURNING *`,
    [
      fields.script,
      fields.checksum,
      fields.dryRun,
      fields.workers,
      hostname(),
      process.pid,
      JSON.stringify(fields.params),
      fields.paramsTyped,
      fields.input?.name ?? null,
      fields.input?.checksum ?? null,
    ],
  );
  return row;
}

export async function resumeRun(sql: Sql, id: number, workers: number): Promise<void> {
  await sql(
    `UPDATE data_script_runs SET status = 'running', finished_at = NULL, error = NULL, workers = $2, host = $3, pid = $4 WHERE id = $1`,
    [id, workers, hostname(), process.pid],
  );
}

export async function setChunksTotal(sql: Sql, id: number, total: number): Promise<void> {
  await sql(`UPDATE data_script_runs SET chunks_total = $2 WHERE id = $1`, [id, total]);
}

export async function finishRun(sql: Sql, id: number, status: RunStatus, counts: RowCounts, error?: string): Promise<void> {
  await sql(
    `UPDATE data_script_runs SET status = $2, finished_at = now(), error = $3,
       rows_scanned = $4, rows_changed = $5, rows_inserted = $6, rows_skipped = $7, rows_conflicted = $8
     WHERE id = $1`,
    [id, status, error ?? null, counts.scanned, counts.changed, counts.inserted, counts.skipped, counts.conflicted],
  );
}
