import { Client, Pool } from "pg";
import { openBenchDatabase } from "../database";
import { ensureLedger } from "../../src/ledger/schema";
import type { Sql } from "../../src/ledger/sql";
import { runView } from "../../src/dashboard/run-view";
import type { LedgerSource } from "../../src/dashboard/ledger-source";

/**
 * The run page's ledger queries on a 1,000,000-row run (1,000 chunks of 1,000 rows, half saved
 * by two participants, a few failures) in a ledger that also holds 49 other runs of 1,000 chunks
 * (50,000 chunk rows), as a ledger in use does: every query the page makes is recorded while
 * the page's view is built, then EXPLAINed (ANALYZE) with its own parameters. Prints markdown
 * (docs/dashboard.md keeps a copy): `node -r @swc-node/register bench/dashboard/explain.ts`.
 */
async function main(): Promise<void> {
  const bench = await openBenchDatabase(false, (line) => console.error(line), "ds_bench_dashboard_explain");
  const db = new Client({ connectionString: bench.url });
  await db.connect();
  // The page's reads run side by side, as the dashboard's pool runs them.
  const pool = new Pool({ connectionString: bench.url, max: 3 });
  try {
    const sql: Sql = async (text, params) => (await db.query(text, params as unknown[])).rows;
    await ensureLedger(sql);
    await db.query(`INSERT INTO data_script_runs (script, checksum, status, chunks_total, started_at, finished_at)
      SELECT 'older-' || g, 'x', 'completed', 1000, now() - interval '2 days', now() - interval '1 day' FROM generate_series(1, 49) g`);
    const [{ id: runId }] = (await db.query<{ id: number }>(
      `INSERT INTO data_script_runs (script, checksum, status, chunks_total, started_at, params) VALUES ('backfill', 'x', 'running', 1000, now() - interval '10 minutes', '{"apiToken":"t"}') RETURNING id`,
    )).rows;
    const [p1, p2] = (await db.query<{ id: number }>(
      `INSERT INTO data_script_participants (run_id, label, app_name, host, workers) VALUES ($1, 'host-a', 'a', 'a', 2), ($1, 'host-b', 'b', 'b', 2) RETURNING id`,
      [runId],
    )).rows.map((r) => r.id);
    await db.query(`INSERT INTO data_script_chunks (run_id, chunk_no, lo, hi, status, rows, changed, saved_at, saved_by)
      SELECT r.id, g, (g * 1000)::text, (g * 1000 + 999)::text, 'done', 1000, 1000, r.started_at + g * interval '1 second', NULL
      FROM data_script_runs r, generate_series(1, 1000) g WHERE r.script LIKE 'older-%'`);
    await db.query(
      `INSERT INTO data_script_chunks (run_id, chunk_no, lo, hi, status, rows, changed, saved_at, saved_by)
       SELECT $1, g, (g * 1000)::text, (g * 1000 + 999)::text,
              CASE WHEN g <= 500 THEN 'done' ELSE 'pending' END, CASE WHEN g <= 500 THEN 1000 ELSE 0 END, CASE WHEN g <= 500 THEN 1000 ELSE 0 END,
              CASE WHEN g <= 500 THEN now() - interval '10 minutes' + g * interval '1 second' END, CASE WHEN g <= 500 THEN (ARRAY[$2, $3]::int[])[1 + g % 2] END
       FROM generate_series(1, 1000) g`,
      [runId, p1, p2],
    );
    await db.query(`INSERT INTO data_script_failures (run_id, chunk_no, row_key, error) SELECT $1, g, to_jsonb(g * 1000 + 7), 'mutate threw' FROM generate_series(1, 5) g`, [runId]);
    await db.query(`ANALYZE`);

    const recorded: { text: string; params: unknown[] }[] = [];
    const recording: Sql = async (text, params) => {
      recorded.push({ text, params: params ?? [] });
      return (await pool.query(text, params as unknown[])).rows;
    };
    const source = { sql: recording, secretKeys: () => ["apiToken"] } as unknown as LedgerSource;
    const view = await runView(source, runId, runId);
    if (!view || view.progress.rowsDone !== 500_000) throw new Error(`unexpected view: ${JSON.stringify(view?.progress)}`);
    const [{ count }] = (await db.query<{ count: string }>(`SELECT count(*) FROM data_script_chunks`)).rows;
    const out = [`Ledger: ${Number(count).toLocaleString("en")} chunk rows (the 1,000,000-row run's 1,000 and 49 other runs' 49,000). PostgreSQL ${(await db.query("SHOW server_version")).rows[0].server_version}.`, ""];
    let seqScans = 0;
    for (const { text, params } of recorded) {
      const plan = (await db.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${text}`, params)).rows.map((r) => r["QUERY PLAN"]);
      if (plan.some((line) => /Seq Scan on data_script_chunks/.test(line))) seqScans++;
      out.push("```sql", text.replace(/\s+/g, " ").trim(), "```", "```", ...plan, "```", "");
    }
    out.push(`${recorded.length} queries; sequential scans of data_script_chunks: ${seqScans}.`);
    console.log(out.join("\n"));
  } finally {
    await pool.end();
    await db.end();
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
