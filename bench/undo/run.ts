import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { openBenchDatabase } from "../database";
import { describeMachine } from "../machine";
import { measure } from "../measure";
import { waitForQuiet } from "../quiet";
import { prepareDatabase } from "../schema";
import { resetFor, verify } from "../seed";
import { median } from "../stats";

/**
 * What keeping before-images costs (`npm run bench:undo`, `-- --large` adds
 * 1,000,000 rows): the runner's update job (username = upper(username),
 * --workers 2, the counting subscriber) with before-images kept (the default)
 * and with --no-undo, interleaved in one run, and the size of the stored
 * images. Writes bench/results-undo.md.
 */
const ROOT = join(__dirname, "..", "..");
const LARGE = process.argv.includes("--large");
const SIZES = LARGE ? [100_000, 1_000_000] : [100_000];
const REPS = Number(process.env.BENCH_UNDO_REPS ?? 3);
const WORKERS = 2;

interface Sample {
  jobMs: number;
  imageBytes: number;
  imageRows: number;
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase(false, (line) => console.error(line), "ds_bench_undo");
  const db = new Client({ connectionString: bench.url });
  await db.connect();
  const rows: { n: number; kept: Sample[]; none: Sample[] }[] = [];
  let machine: string[] = [];
  try {
    await prepareDatabase(db, bench.url);
    machine = (await describeMachine(db, bench.server)).lines;
    for (const n of SIZES) {
      const result = { n, kept: [] as Sample[], none: [] as Sample[] };
      for (let rep = 0; rep < REPS; rep++) {
        for (const undo of rep % 2 ? [false, true] : [true, false]) {
          await resetFor(db, "update", n);
          await waitForQuiet(20_000);
          const sample = await runOnce(db, bench.url, n, undo);
          (undo ? result.kept : result.none).push(sample);
          console.error(`${n} rows, ${undo ? "before-images kept" : "--no-undo"}: job ${(sample.jobMs / 1000).toFixed(2)} s, images ${(sample.imageBytes / 1e6).toFixed(2)} MB`);
        }
      }
      rows.push(result);
    }
  } finally {
    await db.end();
    await bench.close();
  }
  writeFileSync(join(ROOT, "bench", LARGE ? "results-undo-large.md" : "results-undo.md"), report(rows, bench.server, machine));
}

async function runOnce(db: Client, url: string, n: number, undo: boolean): Promise<Sample> {
  const args = [join(ROOT, "bin", "data-script.js"), "bench-upper-usernames", "--force", "--json", "--no-progress", "-d", "bench/data-source.ts", "--scripts", "bench/scripts", "--workers", String(WORKERS)];
  if (!undo) args.push("--no-undo");
  const run = await measure(process.execPath, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, BENCH_SUBSCRIBER: "count", FORCE_COLOR: "0" } });
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.slice(-500)}`);
  const check = await verify(db, "update", n);
  if (!check.ok) throw new Error(check.detail);
  const [image] = (
    await db.query<{ bytes: string; rows: string }>(`SELECT coalesce(sum(pg_column_size(image)), 0) bytes, coalesce(sum(rows), 0) rows FROM data_script_undo`)
  ).rows;
  return { jobMs: JSON.parse(run.stdout).jobMs, imageBytes: Number(image.bytes), imageRows: Number(image.rows) };
}

function report(rows: { n: number; kept: Sample[]; none: Sample[] }[], server: string, machine: string[]): string {
  const lines = [
    "# Before-images: what keeping them costs",
    "",
    `The runner's update job (username = upper(username), computed in JavaScript; --workers ${WORKERS}; the counting subscriber),`,
    `with before-images kept (the default) and with --no-undo, interleaved; job time (chunks planned → last commit) median of ${REPS} runs each. Database: ${server}.`,
    "Target: keeping them costs at most 15 % of the job time.",
    "",
    "| rows | job s, --no-undo | job s, before-images kept | cost | images stored | per 100,000 rows |",
    "|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const none = median(r.none.map((s) => s.jobMs));
    const kept = median(r.kept.map((s) => s.jobMs));
    const bytes = median(r.kept.map((s) => s.imageBytes));
    lines.push(
      `| ${r.n.toLocaleString("en")} | ${(none / 1000).toFixed(2)} | ${(kept / 1000).toFixed(2)} | ${(((kept - none) / none) * 100).toFixed(1)} % | ` +
        `${(bytes / 1e6).toFixed(2)} MB | ${((bytes / r.n) * 100_000 / 1e6).toFixed(2)} MB |`,
    );
  }
  lines.push("", "Each run (job s):", "");
  for (const r of rows) {
    lines.push(`- ${r.n.toLocaleString("en")}: --no-undo ${r.none.map((s) => (s.jobMs / 1000).toFixed(2)).join(", ")}; kept ${r.kept.map((s) => (s.jobMs / 1000).toFixed(2)).join(", ")}`);
  }
  lines.push("", `Reproduce: \`DATABASE_URL=postgres://… npm run bench:undo${LARGE ? " -- --large" : ""}\`.`, "", ...machine, "");
  return lines.join("\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
