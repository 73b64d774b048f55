import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { openBenchDatabase } from "../database";
import { codeVersion, describeMachine } from "../machine";
import { measure } from "../measure";
import { waitForQuiet } from "../quiet";
import { median } from "../stats";

/**
 * What `select` saves (`npm run bench:partial`): the update job (username = upper(username),
 * --workers 2, no listener or subscriber) on a table of 100,000 wide rows, loading whole rows and
 * loading only what `select` declares, interleaved. Writes bench/results-partial.md.
 */
const ROOT = join(__dirname, "..", "..");
const N = Number(process.env.BENCH_PARTIAL_ROWS ?? 100_000);
const REPS = Number(process.env.BENCH_PARTIAL_REPS ?? 3);
const WORKERS = 2;
const MODES = ["whole", "select"] as const;
type Mode = (typeof MODES)[number];

async function main(): Promise<void> {
  const bench = await openBenchDatabase(false, (line) => console.error(line), "ds_bench_partial");
  const db = new Client({ connectionString: bench.url });
  await db.connect();
  const runs: Record<Mode, number[]> = { whole: [], select: [] };
  let machine: string[] = [];
  try {
    machine = (await describeMachine(db, bench.server)).lines;
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of rep % 2 ? [...MODES].reverse() : MODES) {
        await seed(db);
        await waitForQuiet(20_000);
        const jobMs = await runOnce(db, bench.url, mode);
        runs[mode].push(jobMs);
        console.error(`${N} rows, ${mode}: job ${(jobMs / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    await db.end();
    await bench.close();
  }
  writeFileSync(join(ROOT, "bench", "results-partial.md"), report(runs, bench.server, machine));
}

async function seed(db: Client): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS partial_bench_users`);
  // A fresh ledger for every run: no run's before-images weigh on the next.
  const ledger = await db.query<{ name: string }>(`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'data\\_script\\_%'`);
  if (ledger.rows.length) await db.query(`DROP TABLE ${ledger.rows.map((r) => r.name).join(", ")} CASCADE`);
  await db.query(`CREATE TABLE partial_bench_users (
    id serial PRIMARY KEY, username text NOT NULL, email text NOT NULL, bio text NOT NULL, prefs jsonb NOT NULL,
    visits integer NOT NULL, score integer NOT NULL, "lastLoginAt" timestamptz,
    "createdAt" timestamptz NOT NULL DEFAULT now(), "updatedAt" timestamptz NOT NULL DEFAULT now())`);
  await db.query(
    `INSERT INTO partial_bench_users (username, email, bio, prefs, visits, score, "lastLoginAt")
     SELECT 'user' || g, 'user' || g || '@example.com', left(repeat(md5(g::text), 10), 300),
            jsonb_build_object('theme', 'dark', 'lang', 'en', 'n', g, 'tags', jsonb_build_array('a', 'b')), g % 100, g % 7,
            timestamptz '2024-01-01' + g * interval '1 minute'
     FROM generate_series(1, $1) g`,
    [N],
  );
  await db.query(`VACUUM ANALYZE partial_bench_users`);
}

async function runOnce(db: Client, url: string, mode: Mode): Promise<number> {
  const script = mode === "select" ? "partial-upper-select" : "partial-upper-whole";
  const args = [join(ROOT, "bin", "data-script.js"), script, "--force", "--json", "--no-progress", "-d", "bench/partial/data-source.ts", "--scripts", "bench/partial/scripts", "--workers", String(WORKERS)];
  const run = await measure(process.execPath, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, FORCE_COLOR: "0" } });
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.slice(-500)}`);
  const summary = JSON.parse(run.stdout);
  const [check] = (await db.query<{ n: string }>(`SELECT count(*) n FROM partial_bench_users WHERE username = upper(username)`)).rows;
  if (Number(check.n) !== N || summary.changed !== N) throw new Error(`${mode}: ${check.n} of ${N} rows upper-cased, ${summary.changed} changed`);
  const expected = mode === "select" ? "rows loaded: id, username, updatedAt (select)" : undefined;
  if (summary.rows !== expected) throw new Error(`${mode}: the run says ${JSON.stringify(summary.rows)}`);
  return summary.jobMs;
}

function report(runs: Record<Mode, number[]>, server: string, machine: string[]): string {
  const whole = median(runs.whole);
  const select = median(runs.select);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return [
    "# Partial rows: what `select` saves",
    "",
    `The update job (username = upper(username), computed in JavaScript; --workers ${WORKERS}; no listener or subscriber) on ${N.toLocaleString("en")} rows`,
    "of `partial_bench_users` (id, username, email, a 300-byte text, a jsonb, two ints, three timestamps), loading whole rows and loading",
    `\`select = ["username"]\` (id, username, updatedAt), interleaved; job time (chunks planned → last commit), median of ${REPS} runs each. Database: ${server}.`,
    `Code: ${codeVersion()}.`,
    "",
    "| rows | job s, whole rows | job s, select | select / whole |",
    "|--:|--:|--:|--:|",
    `| ${N.toLocaleString("en")} | ${s(whole)} | ${s(select)} | ${(select / whole).toFixed(2)} |`,
    "",
    `Each run (job s): whole ${runs.whole.map(s).join(", ")}; select ${runs.select.map(s).join(", ")}`,
    "",
    "Reproduce: `DATABASE_URL=postgres://… npm run bench:partial`.",
    "",
    ...machine,
    "",
  ].join("\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
