import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { openBenchDatabase } from "../database";
import { describeMachine } from "../machine";
import { measureEviction, type Eviction } from "./eviction";
import { measure } from "../measure";
import { waitForQuiet } from "../quiet";
import { prepareDatabase } from "../schema";
import { median } from "../stats";

/**
 * Several hosts, one run (`npm run bench:join`): the same run started as 1, 2
 * and 3 independent `data-script <script> --join --workers 1` processes at
 * once (each a "host"), for a CPU-bound script and for one whose chunks wait
 * on an external call. Throughput is the rows over the time from the first
 * start to the last exit. Then the eviction time: one of two hosts is paused
 * (SIGSTOP) with leases of 3, 10 and 30 s. Writes bench/results-join.md.
 */
const ROOT = join(__dirname, "..", "..");
const N = Number(process.env.BENCH_JOIN_ROWS ?? 60_000);
const REPS = Number(process.env.BENCH_JOIN_REPS ?? 2);
const SCRIPTS = [
  { id: "join-cpu", label: "CPU-bound: username = upper(username)" },
  { id: "join-io", label: "I/O-bound: the same, afterSave waits 250 ms per chunk on an external call" },
];
const HOSTS = [1, 2, 3];
const LEASES_S = (process.env.BENCH_JOIN_LEASES ?? "3,10,30").split(",").map(Number);
/** The I/O script's wait per chunk in the eviction runs: 60 chunks outlast the longest lease with one host left. */
const EVICTION_WAIT_MS = 1_500;

interface Sample {
  wallMs: number;
  ok: boolean;
  error?: string;
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase(false, (line) => console.error(line), "ds_bench_join");
  const db = new Client({ connectionString: bench.url });
  await db.connect();
  const results: { script: string; hosts: number; samples: Sample[] }[] = [];
  const evictions: Eviction[] = [];
  let machine: string[] = [];
  try {
    machine = (await describeMachine(db, bench.server)).lines;
    await prepareDatabase(db, bench.url);
    await db.query(`INSERT INTO users (username, email) SELECT 'user' || g, 'user' || g || '@example.com' FROM generate_series(1, $1) g`, [N]);
    for (const script of SCRIPTS) {
      for (const hosts of HOSTS) {
        const samples: Sample[] = [];
        for (let rep = 0; rep < REPS; rep++) {
          await reset(db, script.id);
          await waitForQuiet(20_000);
          samples.push(await runHosts(bench.url, script.id, hosts));
          const check = await verify(db);
          if (check) samples[samples.length - 1] = { ...samples[samples.length - 1], ok: false, error: check };
          console.error(`${script.id} × ${hosts} host(s), run ${rep + 1}: ${(samples.at(-1)!.wallMs / 1000).toFixed(2)} s ${samples.at(-1)!.ok ? "" : samples.at(-1)!.error}`);
        }
        results.push({ script: script.id, hosts, samples });
      }
    }
    for (const leaseS of LEASES_S) {
      await reset(db, "join-io");
      await waitForQuiet(20_000);
      try {
        const eviction = await measureEviction(db, bench.url, leaseS, EVICTION_WAIT_MS);
        const check = await verify(db);
        evictions.push(check ? { ...eviction, survivorExit: -1 } : eviction);
        console.error(`lease ${leaseS} s: evicted after ${(eviction.evictedAfterMs / 1000).toFixed(2)} s; survivor exit ${eviction.survivorExit}, paused exit ${eviction.pausedExit}${check ? `; ${check}` : ""}`);
      } catch (error) {
        console.error(`lease ${leaseS} s: ${(error as Error).message}`);
        evictions.push({ leaseS, evictedAfterMs: NaN, pausedExit: null, saidEvicted: false, survivorExit: null });
      }
    }
  } finally {
    await db.end();
    await bench.close();
  }
  writeFileSync(join(ROOT, "bench", "results-join.md"), report(results, evictions, bench.server, machine));
  console.error("wrote bench/results-join.md");
}

async function reset(db: Client, script: string): Promise<void> {
  await db.query(`UPDATE users SET username = 'user' || id`);
  await db.query(`DELETE FROM data_script_runs WHERE script = $1`, [script]).catch(() => undefined);
  await db.query(`VACUUM ANALYZE users`);
  await db.query(`CHECKPOINT`);
}

/** Every row changed exactly once (an upper-cased username is not changed again). */
async function verify(db: Client): Promise<string | undefined> {
  const [row] = await db.query<{ wrong: string }>(`SELECT count(*) wrong FROM users WHERE username <> upper('user' || id)`).then((r) => r.rows);
  return row.wrong === "0" ? undefined : `${row.wrong} rows not renamed`;
}

async function runHosts(url: string, script: string, hosts: number): Promise<Sample> {
  const env = { ...process.env, DATABASE_URL: url, BENCH_SUBSCRIBER: "count", FORCE_COLOR: "0" };
  const args = [join(ROOT, "bin", "data-script.js"), script, "--join", "--workers", "1", "--no-progress", "--scripts", "bench/join/scripts", "-d", "bench/data-source.ts"];
  const started = Date.now();
  const runs = await Promise.all(Array.from({ length: hosts }, () => measure(process.execPath, args, { env, cwd: ROOT })));
  const wallMs = Date.now() - started;
  const failed = runs.find((r) => r.code !== 0);
  return failed ? { wallMs, ok: false, error: `exit ${failed.code}: ${failed.stderr.split("\n").slice(-3).join(" ")}` } : { wallMs, ok: true };
}

function report(results: { script: string; hosts: number; samples: Sample[] }[], evictions: Eviction[], server: string, machine: string[]): string {
  const lines = [
    "# Several hosts, one run: throughput with 1, 2 and 3 joined hosts",
    "",
    `${N.toLocaleString("en")} rows, chunks of 1,000, each host one process (\`--join --workers 1\`) with the counting subscriber, all started at once;`,
    `time from the first start to the last exit, median of ${REPS} runs. Database: ${server}.`,
    "",
    "| script | hosts | s | rows/s | × one host |",
    "|---|--:|--:|--:|--:|",
  ];
  for (const script of SCRIPTS) {
    const base = median(results.find((r) => r.script === script.id && r.hosts === 1)!.samples.map((s) => s.wallMs));
    for (const r of results.filter((x) => x.script === script.id)) {
      const ms = median(r.samples.map((s) => s.wallMs));
      const ok = r.samples.every((s) => s.ok);
      lines.push(`| ${script.label} | ${r.hosts} | ${(ms / 1000).toFixed(2)}${ok ? "" : " ✗"} | ${Math.round(N / (ms / 1000)).toLocaleString("en")} | ${(base / ms).toFixed(2)}× |`);
    }
  }
  lines.push(
    "",
    "## Eviction time",
    "",
    `Two hosts join the I/O-bound run (its afterSave waiting ${EVICTION_WAIT_MS} ms per chunk); once both have saved a chunk, one host's whole`,
    "process tree is stopped (SIGSTOP). Measured: from the stop to its participant row marked evicted by the other host;",
    "then the survivor finishes the run and the stopped host is resumed (SIGCONT).",
    "",
    "| lease | evicted after s | survivor | resumed host |",
    "|--:|--:|---|---|",
  );
  for (const e of evictions) {
    const survivor = e.survivorExit === 0 ? "exit 0, every row renamed once" : e.survivorExit === -1 ? "✗ rows wrong" : `✗ exit ${e.survivorExit}`;
    const resumed = e.pausedExit === 1 && e.saidEvicted ? 'exit 1, "was evicted"' : `✗ exit ${e.pausedExit}${e.saidEvicted ? "" : ", did not say evicted"}`;
    lines.push(`| ${e.leaseS} s | ${(e.evictedAfterMs / 1000).toFixed(2)} | ${survivor} | ${resumed} |`);
  }
  lines.push(
    "",
    "A participant heartbeats every quarter lease (0.2–5 s) and evicts the silent at each beat: eviction comes between the lease minus",
    "the time since the stopped host's last beat, and the lease plus one beat of the survivor.",
    "",
    "Reproduce: `DATABASE_URL=postgres://… npm run bench:join` (BENCH_JOIN_ROWS, BENCH_JOIN_REPS, BENCH_JOIN_LEASES to change the size, the runs, the leases).",
    "",
    ...machine,
    "",
  );
  return lines.join("\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
