import { createWriteStream, mkdirSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { Client } from "pg";
import { openBenchDatabase } from "./database";
import { EVENT_COUNTS_DDL } from "./entities/event-counts";
import { measure, type Measured } from "./measure";

/**
 * `--input` at 1,000,000 lines: peak RSS of every process (parent and workers) while a CSV,
 * the same CSV gzipped, and JSON lines are upserted into `users` by e-mail, 2 workers.
 * Memory must stay flat whatever the file's size: the parent streams the file and reads
 * no further than the pool can take. Writes bench/results-inputs.md.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node -r @swc-node/register bench/inputs-rss.ts [lines]
 */
const LINES = Number(process.argv[2] ?? 1_000_000);
const DIR = join(".data", "bench-inputs");

async function main() {
  mkdirSync(DIR, { recursive: true });
  const files = [
    { label: "CSV", file: join(DIR, "users.csv"), format: "csv" as const },
    { label: "CSV, gzipped", file: join(DIR, "users.csv.gz"), format: "csv" as const },
    { label: "JSON lines", file: join(DIR, "users.jsonl"), format: "jsonl" as const },
  ];
  for (const f of files) await writeUsers(f.file, f.format, LINES);
  const db = await openBenchDatabase(false, (line) => console.error(line), "ds_bench_inputs");
  const rows: string[] = [];
  try {
    for (const f of files) {
      await reset(db.url);
      const run = await measure(
        process.execPath,
        ["bin/data-script.js", "bench-import-users", "--input", f.file, "--workers", "2", "--json", "--no-progress", "-d", "bench/data-source.ts", "--scripts", "bench/scripts"],
        { env: { ...process.env, DATABASE_URL: db.url, BENCH_SUBSCRIBER: "count" }, cwd: process.cwd() },
      );
      const imported = await countUsers(db.url);
      const expected = LINES - (f.format === "csv" ? 1 : 0); // a CSV's first line is its header
      if (run.code !== 0 || imported !== expected) throw new Error(`${f.label}: exit ${run.code}, ${imported} users\n${run.stderr}\n${run.stdout.slice(0, 2000)}`);
      rows.push(row(f.label, statSync(f.file).size, run));
      console.error(rows.at(-1));
    }
  } finally {
    await db.close();
  }
  const report = [
    `# --input at ${LINES.toLocaleString("en-US")} lines: peak RSS per process`,
    "",
    `\`node -r @swc-node/register bench/inputs-rss.ts ${LINES}\` on ${cpus().length} cores (${availableParallelism()} available), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, PostgreSQL at DATABASE_URL, ${new Date().toISOString().slice(0, 10)}. ` +
      "`bench-import-users` upserts users by e-mail (`upsertOn`, one statement per 1,000-line chunk, the counting subscriber), " +
      "2 workers. Peak RSS is each process's VmHWM (bench/measure.ts). One run each: the point is memory, not time.",
    "",
    "| file | size | wall s | rows/s | parent peak RSS | worker peak RSS (each) |",
    "|---|--:|--:|--:|--:|--:|",
    ...rows,
    "",
    "The limit is 300 MB per process. The parent reads the file as a stream and hands out one chunk per",
    "free worker, so it holds a few chunks of lines at most; a file of any size gives the same peaks.",
    "",
  ].join("\n");
  writeFileSync(join("bench", "results-inputs.md"), report);
  console.log(report);
}

function row(label: string, bytes: number, run: Measured): string {
  const parent = run.processes.find((p) => p.depth === 0)!;
  const workers = run.processes.filter((p) => p.depth > 0 && /tinypool|process\.js|entry/.test(p.command));
  const summary = JSON.parse(run.stdout) as { wallMs: number; rowsPerSecond: number };
  const mb = (n: number) => `${Math.round(n)} MB`;
  return `| ${label} | ${(bytes / 2 ** 20).toFixed(0)} MiB | ${(run.wallMs / 1000).toFixed(1)} | ${Math.round(summary.rowsPerSecond).toLocaleString("en-US")} | ${mb(parent.peakRssMb)} | ${workers.map((w) => mb(w.peakRssMb)).join(", ")} |`;
}

/** username, email (some quoted, with commas, newlines and emoji), active. */
async function writeUsers(file: string, format: "csv" | "jsonl", lines: number): Promise<void> {
  const out = createWriteStream(file);
  const gzip = file.endsWith(".gz") ? createGzip() : undefined;
  gzip?.pipe(out);
  const sink = gzip ?? out;
  let buffer = format === "csv" ? "\uFEFFusername,email,active\n" : "";
  for (let n = 1; n <= lines - (format === "csv" ? 1 : 0); n++) {
    const username = n % 10 === 0 ? `Smith, 🙂 ${n}` : `user${n}`;
    const email = `User${n}@Example.com`;
    buffer += format === "csv" ? `${n % 10 === 0 ? `"${username}"` : username},${email},${n % 2 ? "true" : "false"}\n` : `${JSON.stringify({ username, email, active: n % 2 === 1 })}\n`;
    if (buffer.length > 1 << 16) {
      if (!sink.write(buffer)) await new Promise<void>((r) => sink.once("drain", () => r()));
      buffer = "";
    }
  }
  sink.end(buffer);
  await finished(out);
}

async function reset(url: string): Promise<void> {
  // The first run creates the table (the data source's migration); the upsert needs a unique key on e-mail.
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS users, user_audit, migrations, data_script_failures, data_script_chunks, data_script_runs, bench_event_counts CASCADE`);
  } finally {
    await client.end();
  }
  const status = await measure(process.execPath, ["bin/data-script.js", "status", "-d", "bench/data-source.ts", "--scripts", "bench/scripts"], {
    env: { ...process.env, DATABASE_URL: url },
    cwd: process.cwd(),
  });
  if (status.code !== 0) throw new Error(status.stderr);
  const again = new Client({ connectionString: url });
  await again.connect();
  try {
    await again.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await again.query(EVENT_COUNTS_DDL);
  } finally {
    await again.end();
  }
}

async function countUsers(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT count(*) n FROM users`)).rows[0].n);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
