import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
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
 * What an open dashboard costs a run: the bench's update job at 100,000 rows
 * (username = upper(username), --workers 2, the counting subscriber), alone and
 * with a `data-script ui` process on the same database that a client keeps busy
 * the way an open browser tab does: the run's page and its event stream (a ledger
 * read every second), and the scripts list reloaded every 2 s. Interleaved runs,
 * medians. Writes bench/results-dashboard.md:
 * `DATABASE_URL=postgres://… node -r @swc-node/register bench/dashboard/run.ts`.
 */
const ROOT = join(__dirname, "..", "..");
const N = 100_000;
const REPS = Number(process.env.BENCH_DASHBOARD_REPS ?? 5);
const BIN = join(ROOT, "bin", "data-script.js");
const PROJECT = ["-d", "bench/data-source.ts", "--scripts", "bench/scripts"];

interface Sample {
  jobMs: number;
  /** Page loads and stream updates the client got during the job. */
  reads: number;
  /** CPU the ui process spent during the job, ms (user + system, from /proc). */
  uiCpuMs: number;
}

/** A process's CPU time so far, ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (100/s)
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase(false, (line) => console.error(line), "ds_bench_dashboard");
  const db = new Client({ connectionString: bench.url });
  await db.connect();
  const samples = { alone: [] as Sample[], watched: [] as Sample[] };
  let machine: string[] = [];
  const env = { ...process.env, DATABASE_URL: bench.url, BENCH_SUBSCRIBER: "count", FORCE_COLOR: "0" };
  const ui = spawn(process.execPath, [BIN, "ui", "--port", "0", "--no-progress", ...PROJECT], { cwd: ROOT, env });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      ui.stdout.on("data", (d) => {
        out += d;
        const m = /(http:\/\/\S+token=\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      ui.on("exit", (code) => reject(new Error(`ui exited ${code}`)));
    });
    const login = await fetch(url, { redirect: "manual" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const base = url.replace(/\?token=.*$/, "");
    await prepareDatabase(db, bench.url);
    machine = (await describeMachine(db, bench.server)).lines;
    for (let rep = 0; rep < REPS; rep++) {
      for (const watched of rep % 2 ? [true, false] : [false, true]) {
        await resetFor(db, "update", N);
        await waitForQuiet(20_000);
        const cpuBefore = cpuMs(ui.pid!);
        const sample = await runOnce(db, bench.url, watched ? { base, cookie } : undefined);
        sample.uiCpuMs = cpuMs(ui.pid!) - cpuBefore;
        (watched ? samples.watched : samples.alone).push(sample);
        console.error(`${watched ? "dashboard open" : "no dashboard"}: job ${(sample.jobMs / 1000).toFixed(2)} s (${sample.reads} dashboard reads, ui CPU ${sample.uiCpuMs} ms)`);
      }
    }
  } finally {
    ui.kill("SIGTERM");
    await db.end();
    await bench.close();
  }
  writeFileSync(join(ROOT, "bench", "results-dashboard.md"), report(samples, bench.server, machine));
}

async function runOnce(db: Client, url: string, dashboard: { base: string; cookie: string } | undefined): Promise<Sample> {
  const controller = new AbortController();
  const reads = { n: 0 };
  const watching = dashboard ? watch(db, dashboard, controller.signal, reads) : Promise.resolve();
  const args = [BIN, "bench-upper-usernames", "--force", "--json", "--no-progress", ...PROJECT, "--workers", "2"];
  const run = await measure(process.execPath, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, BENCH_SUBSCRIBER: "count", FORCE_COLOR: "0" } });
  controller.abort();
  await watching.catch(() => undefined);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.slice(-500)}`);
  const check = await verify(db, "update", N);
  if (!check.ok) throw new Error(check.detail);
  return { jobMs: JSON.parse(run.stdout).jobMs, reads: reads.n, uiCpuMs: 0 };
}

/** An open tab: the latest run's page and its event stream, the scripts list every 2 s. */
async function watch(db: Client, { base, cookie }: { base: string; cookie: string }, signal: AbortSignal, reads: { n: number }): Promise<void> {
  const headers = { cookie };
  let streamed: number | undefined;
  while (!signal.aborted) {
    await (await fetch(base, { headers, signal })).text();
    reads.n++;
    const [latest] = (await db.query<{ id: number }>(`SELECT max(id) id FROM data_script_runs`)).rows;
    if (latest?.id && latest.id !== streamed) {
      streamed = latest.id;
      await (await fetch(`${base}runs/${latest.id}`, { headers, signal })).text();
      reads.n++;
      void fetch(`${base}runs/${latest.id}/events`, { headers, signal }).then(async (response) => {
        const reader = response.body!.getReader();
        while (!(await reader.read()).done) reads.n++;
      }).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

function report(samples: { alone: Sample[]; watched: Sample[] }, server: string, machine: string[]): string {
  const alone = median(samples.alone.map((s) => s.jobMs));
  const watched = median(samples.watched.map((s) => s.jobMs));
  return [
    "# What an open dashboard costs a run",
    "",
    `The bench's update job at ${N.toLocaleString("en")} rows (username = upper(username), --workers 2, the counting subscriber), alone and with a`,
    "`data-script ui` process on the same database kept busy as an open tab keeps it (the run's page and its event stream, the scripts list every 2 s);",
    `interleaved, job time (chunks planned → last commit) median of ${REPS} runs each. Database: ${server}.`,
    "",
    "| | job s (median) | runs (job s) | dashboard reads per run | ui process CPU per run, ms (median) |",
    "|--|--:|--|--:|--:|",
    `| no dashboard | ${(alone / 1000).toFixed(2)} | ${samples.alone.map((s) => (s.jobMs / 1000).toFixed(2)).join(", ")} | — | ${median(samples.alone.map((s) => s.uiCpuMs))} |`,
    `| dashboard open | ${(watched / 1000).toFixed(2)} | ${samples.watched.map((s) => (s.jobMs / 1000).toFixed(2)).join(", ")} | ${median(samples.watched.map((s) => s.reads))} | ${median(samples.watched.map((s) => s.uiCpuMs))} |`,
    "",
    `Difference of the medians: ${(((watched - alone) / alone) * 100).toFixed(1)} %. ` +
      `Run-to-run noise without a dashboard: ${noise(samples.alone.map((s) => s.jobMs))}.`,
    "",
    "Reproduce: `DATABASE_URL=postgres://… node -r @swc-node/register bench/dashboard/run.ts` (BENCH_DASHBOARD_REPS runs each).",
    "",
    ...machine,
    "",
  ].join("\n");
}

/** The middle half of the runs (2nd to 3rd quartile) as a share of their median: what "within noise" is measured against. */
function noise(jobMs: number[]): string {
  const sorted = [...jobMs].sort((a, b) => a - b);
  const q1 = sorted[Math.floor(sorted.length / 4)];
  const q3 = sorted[Math.ceil((3 * sorted.length) / 4) - 1];
  return `the middle half of its runs spans ${(((q3 - q1) / median(sorted)) * 100).toFixed(1)} % of their median (${(q1 / 1000).toFixed(2)}–${(q3 / 1000).toFixed(2)} s)`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
