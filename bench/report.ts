import type { ProcessPeak } from "./measure";
import { describeQuietRule } from "./quiet";
import { BASELINE, SAME_WORK, WORKERS, type MethodSpec } from "./methods/registry";
import type { Sample } from "./run-one";
import type { BenchPath } from "./seed";
import { median, ratio, seconds, thousands } from "./stats";

export interface MethodRuns {
  method: MethodSpec;
  n: number;
  samples: Sample[];
}

interface Row {
  runs: MethodRuns;
  jobMs: number;
  wallMs: number;
  ok: number;
}

const PATH_TITLES: Record<BenchPath, string> = {
  update: "Update: `username = upper(username)` computed in JavaScript",
  create: "Create: N new rows",
  upsert: "Upsert: N rows by e-mail, half existing, half new",
  demo: "The README's main job",
};

function summarise(runs: MethodRuns): Row {
  const good = runs.samples.filter((s) => s.ok);
  return { runs, jobMs: median(good.map((s) => s.jobMs)), wallMs: median(good.map((s) => s.wallMs)), ok: good.length };
}

/** A process's role from its command line (see measure.ts). */
function role(p: ProcessPeak): string | undefined {
  // The embedded server the demo starts (postgres, initdb and their shells) is not the runner's.
  if (/postgres|initdb|pg_ctl/.test(p.command) || (p.depth > 1 && /^(sh|bash|dash)\b/.test(p.command))) return undefined;
  if (/npm-cli|^npm\b/.test(p.command)) return "npm";
  if (/^(sh|bash|dash)\b/.test(p.command)) return "sh";
  if (p.command.includes("data-script.js")) return "parent";
  if (p.command.includes("process.js")) return "worker";
  return p.depth === 0 ? "process" : "child";
}

/** Peak RSS of every process, max over the runs; several processes of one role are listed largest first. */
const PLURAL: Record<string, string> = { child: "children", process: "processes" };

export function rssSummary(samples: Sample[]): string {
  const byRole = new Map<string, number[]>();
  for (const s of samples) {
    const perRole = new Map<string, number[]>();
    for (const p of s.processes) {
      const r = role(p);
      if (!r) continue;
      if (!perRole.has(r)) perRole.set(r, []);
      perRole.get(r)!.push(p.peakRssMb);
    }
    for (const [r, peaks] of perRole) {
      peaks.sort((a, b) => b - a);
      const acc = byRole.get(r) ?? [];
      peaks.forEach((v, i) => (acc[i] = Math.max(acc[i] ?? 0, v)));
      byRole.set(r, acc);
    }
  }
  const order = ["npm", "sh", "parent", "worker", "process", "child"];
  return [...byRole.entries()]
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([r, peaks]) => `${peaks.length > 1 ? PLURAL[r] ?? `${r}s` : r} ${peaks.map((v) => Math.round(v)).join("/")}`)
    .join(" · ");
}

export function maxRss(samples: Sample[]): number {
  return Math.max(0, ...samples.flatMap((s) => s.processes.map((p) => p.peakRssMb)));
}

function eventsCell(runs: MethodRuns): string {
  if (runs.method.subscriber === "none") return "—";
  const values = [...new Set(runs.samples.map((s) => s.events))];
  const balanced = runs.samples.every((s) => s.beforeEvents === undefined || s.beforeEvents === s.events);
  const good = values.length === 1 && values[0] === runs.n && balanced;
  return `${values.map((v) => thousands(v ?? NaN)).join(", ")} ${good ? "✓" : "✗"}`;
}

function statusCell(row: Row): string {
  const failed = row.runs.samples.filter((s) => !s.ok);
  if (!failed.length) return "";
  return ` — **failed** (not repeated): ${failed[0].error?.replace(/\|/g, "\\|").slice(0, 300)}`;
}

function pathTable(results: MethodRuns[], path: BenchPath, n: number): string[] {
  const rows = results.filter((r) => r.method.path === path && r.n === n).map(summarise);
  if (!rows.length) return [];
  const base = rows.find((r) => r.runs.method.id === BASELINE[path]);
  const lines = [
    `### ${PATH_TITLES[path]}, N = ${thousands(n)}`,
    "",
    `| method | job s | rows/s | × ${base ? "raw unnest" : "?"} | whole command s | start-up + shutdown s | peak RSS MB (every process) | events |`,
    "|---|--:|--:|--:|--:|--:|---|--:|",
  ];
  for (const row of rows) {
    const m = row.runs.method;
    const startup = row.wallMs - row.jobMs;
    lines.push(
      `| ${m.label}${statusCell(row)} | ${seconds(row.jobMs)} | ${thousands(n / (row.jobMs / 1000))} | ${ratio(row.jobMs, base?.jobMs ?? NaN)} | ` +
        `${seconds(row.wallMs)} | ${seconds(startup)} | ${rssSummary(row.runs.samples)} | ${eventsCell(row.runs)} |`,
    );
  }
  lines.push("");
  return lines;
}

/**
 * `npm run demo` as a new user runs it — create N users, then rename them all, the
 * demo's audit subscriber, the default worker count — on the embedded server and on
 * the bench's server, each from an empty database.
 */
function demoTable(results: MethodRuns[], n: number): string[] {
  const rows = results.filter((r) => r.method.path === "demo" && r.n === n).map(summarise);
  if (!rows.length) return [];
  const lines = [
    `### ${PATH_TITLES.demo}, \`npm run demo\` (create N users, then rename them; audit subscriber; --workers ${WORKERS}), N = ${thousands(n)}`,
    "",
    "| where | create job s | rename job s | rename × the bench's server | whole command s (initdb, server start included) | peak RSS MB (every process) | audit rows |",
    "|---|--:|--:|--:|--:|---|--:|",
  ];
  const server = rows.find((r) => r.runs.method.id === BASELINE.demo);
  for (const row of rows) {
    const good = row.runs.samples.filter((s) => s.ok);
    const job = (script: string) => median(good.map((s) => s.jobs?.[script] ?? NaN));
    const audit = [...new Set(row.runs.samples.map((s) => s.events))];
    const auditCell = `${audit.map((v) => thousands(v ?? NaN)).join(", ")} ${audit.length === 1 && audit[0] === 2 * n ? "✓" : "✗"}`;
    lines.push(
      `| ${row.runs.method.label}${statusCell(row)} | ${seconds(job("2024-create-users"))} | ${seconds(row.jobMs)} | ${ratio(row.jobMs, server?.jobMs ?? NaN)} | ` +
        `${seconds(row.wallMs)} | ${rssSummary(row.runs.samples)} | ${auditCell} |`,
    );
  }
  lines.push("");
  return lines;
}

function find(results: MethodRuns[], id: string, n: number): Row | undefined {
  const runs = results.find((r) => r.method.id === id && r.n === n);
  return runs && summarise(runs);
}

function commandTable(results: MethodRuns[], sizes: number[]): string[] {
  const lines = [
    "### The whole command, start-up included, vs a bare node script doing (e)",
    "",
    "| N | bare `node bench/raw/raw-unnest.js` s | the same loading typeorm first s | that via `npm run bench:bare` s | `node bin/data-script.js` s | `npm run data-script` s | the same, --workers not given s | npm run ÷ bare | not given ÷ bare | npm run ÷ bare with typeorm via npm run | what `npm run` itself adds s | runner job s | runner's own wallMs s |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const n of sizes) {
    const bare = find(results, "e-raw-unnest", n);
    const bareTypeorm = find(results, "e-raw-unnest-typeorm", n);
    const npmBare = find(results, "e-npm-raw-unnest-typeorm", n);
    const cli = find(results, `a-runner-w${WORKERS}-count`, n);
    const npm = find(results, `a-npm-w${WORKERS}-count`, n);
    const npmDefault = find(results, "a-npm-wdefault-count", n);
    if (!bare && !cli && !npm) continue;
    const runnerWall = cli ? median(cli.runs.samples.filter((s) => s.ok).map((s) => s.runnerWallMs ?? NaN)) : NaN;
    lines.push(
      `| ${thousands(n)} | ${seconds(bare?.wallMs ?? NaN)} | ${seconds(bareTypeorm?.wallMs ?? NaN)} | ${seconds(npmBare?.wallMs ?? NaN)} | ${seconds(cli?.wallMs ?? NaN)} | ${seconds(npm?.wallMs ?? NaN)} | ${seconds(npmDefault?.wallMs ?? NaN)} | ` +
        `${ratio(npm?.wallMs ?? NaN, bare?.wallMs ?? NaN)} | ${ratio(npmDefault?.wallMs ?? NaN, bare?.wallMs ?? NaN)} | ${ratio(npm?.wallMs ?? NaN, npmBare?.wallMs ?? NaN)} | ` +
        `${seconds((npmBare?.wallMs ?? NaN) - (bareTypeorm?.wallMs ?? NaN))} | ${seconds(cli?.jobMs ?? NaN)} | ${seconds(runnerWall)} |`,
    );
  }
  lines.push(
    "",
    `(runner: --workers ${WORKERS}, counting subscriber. "runner's own wallMs" is runScript() start → end, from its --json summary; the whole command adds Node start-up, loading the CLI, TypeORM and swc, and exit. ` +
      "The bare script loading typeorm first, started through npm, is a TypeORM app's own script started as the README starts the runner: what every such command pays before its first query.)",
    "",
  );
  return lines;
}

/**
 * What of the runner's job is the database work its promises need (whole rows for
 * subscribers, RETURNING, the ledger and a before-image per chunk, one transaction
 * each) and what is its own JavaScript: the runner against raw pg doing that work.
 */
function sameWorkTable(results: MethodRuns[], sizes: number[]): string[] {
  const lines = [
    "### The runner against raw pg doing the same database work",
    "",
    "The (e′) rows send the runner's statements per chunk with plain `pg` (bench/raw/ledgered-chunks.js): claim, savepoint, the chunk's statements with whole rows and RETURNING, the before-image, the ledger mark, the counting subscriber's row, commit; 2 processes pulling chunks. What the runner spends above them is its JavaScript: entities, events, change detection, encoding.",
    "",
    "| path | N | raw, minimal statements s | raw, the runner's statements s | runner job s | runner ÷ minimal | runner ÷ same work | same work ÷ minimal |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const n of sizes) {
    for (const [path, ids] of Object.entries(SAME_WORK) as [BenchPath, { runner: string; raw: string }][]) {
      const runner = find(results, ids.runner, n);
      const same = find(results, ids.raw, n);
      const minimal = find(results, BASELINE[path], n);
      if (!runner || !same || !minimal) continue;
      lines.push(
        `| ${path} | ${thousands(n)} | ${seconds(minimal.jobMs)} | ${seconds(same.jobMs)} | ${seconds(runner.jobMs)} | ` +
          `${ratio(runner.jobMs, minimal.jobMs)} | ${ratio(runner.jobMs, same.jobMs)} | ${ratio(same.jobMs, minimal.jobMs)} |`,
      );
    }
  }
  lines.push("");
  return lines.length > 7 ? lines : [];
}

function target(text: string, value: string, pass: boolean | undefined): string {
  return `| ${text} | ${value} | ${pass === undefined ? "not measured" : pass ? "met" : "**missed**"} |`;
}

function targetsTable(results: MethodRuns[], sizes: number[]): string[] {
  const lines = ["### Targets (not asserted)", "", "| target | measured | |", "|---|---|---|"];
  const n = 100_000;
  const runnerId = `a-runner-w${WORKERS}-count`;
  const runner = find(results, runnerId, n);
  const runner1 = find(results, "a-runner-w1-count", n);
  const e = find(results, "e-raw-unnest", n);
  const b = find(results, "b-save-count", n);
  const c = find(results, "c-mikro-count", n);
  const npm = find(results, `a-npm-w${WORKERS}-count`, n);
  const has = (...rows: (Row | undefined)[]) => rows.every((r) => r && Number.isFinite(r.jobMs));
  const pass = (ok: boolean, ...rows: (Row | undefined)[]) => (has(...rows) ? ok : undefined);
  if (runner && e) {
    lines.push(target(`100k, counting subscriber: runner job ≤ 1.3 × (e)`, `--workers ${WORKERS}: ${ratio(runner.jobMs, e.jobMs)}; --workers 1: ${ratio(runner1?.jobMs ?? NaN, e.jobMs)}`, pass(runner.jobMs <= 1.3 * e.jobMs, runner, e)));
  }
  if (runner && b) lines.push(target("100k: runner ≥ 10× faster than (b) save()", `${ratio(b.jobMs, runner.jobMs)} faster`, pass(b.jobMs >= 10 * runner.jobMs, runner, b)));
  if (runner && c) lines.push(target("100k: runner ≥ 3× faster than (c) MikroORM", `${ratio(c.jobMs, runner.jobMs)} faster`, pass(c.jobMs >= 3 * runner.jobMs, runner, c)));
  const npmDefault = find(results, "a-npm-wdefault-count", n);
  for (const [row, how] of [[npm, `--workers ${WORKERS}`], [npmDefault, "--workers not given"]] as const) {
    if (!row || !e) continue;
    lines.push(target(`100k: whole \`npm run data-script\` (${how}) ≤ 2 × a bare node script doing (e), start-up included`, `${seconds(row.wallMs)} s vs ${seconds(e.wallMs)} s = ${ratio(row.wallMs, e.wallMs)}`, row.ok && e.ok ? row.wallMs <= 2 * e.wallMs : undefined));
  }
  // Issue 20: a small script with --workers left out is no slower than --workers 1.
  const small = 10_000;
  const default10k = find(results, "a-runner-wdefault-count", small);
  const one10k = find(results, "a-runner-w1-count", small);
  if (default10k && one10k) {
    lines.push(target("10k: `--workers` not given is no slower than `--workers 1` (job within 5 %, the noise between two runs of one command; job; whole command)", `${ratio(default10k.jobMs, one10k.jobMs)}; ${ratio(default10k.wallMs, one10k.wallMs)}`, pass(default10k.jobMs <= one10k.jobMs * 1.05, default10k, one10k)));
  }
  // The source-kind paths: create ≤ 2 × raw at 100k and ≤ 1.3 × at 1M (issue 20); upsert faster than TypeORM's upsert() and ≤ 2 × raw (issue 14).
  for (const size of sizes.filter((s) => s >= n)) {
    const label = size === n ? "100k" : "1M";
    const createRaw = find(results, "create-raw-unnest", size);
    const upsert = find(results, `upsert-runner-w${WORKERS}-count`, size);
    const upsertOrm = find(results, "upsert-typeorm-count", size);
    const upsertRaw = find(results, "upsert-raw-unnest", size);
    const createLimit = size === n ? 2.0 : 1.3;
    for (const [id, how] of [[`create-runner-w${WORKERS}-count`, `--workers ${WORKERS}`], ["create-runner-wdefault-count", "--workers not given"]]) {
      const create = find(results, id, size);
      if (!create || !createRaw) continue;
      lines.push(target(`${label}: create (${how}), runner job ≤ ${createLimit} × raw INSERT … SELECT FROM unnest`, ratio(create.jobMs, createRaw.jobMs), pass(create.jobMs <= createLimit * createRaw.jobMs, create, createRaw)));
    }
    if (upsert && upsertOrm) lines.push(target(`${label}: upsert, runner job < TypeORM upsert()`, ratio(upsert.jobMs, upsertOrm.jobMs), pass(upsert.jobMs < upsertOrm.jobMs, upsert, upsertOrm)));
    if (upsert && upsertRaw) lines.push(target(`${label}: upsert, runner job ≤ 2 × raw INSERT … ON CONFLICT`, ratio(upsert.jobMs, upsertRaw.jobMs), pass(upsert.jobMs <= 2 * upsertRaw.jobMs, upsert, upsertRaw)));
  }
  if (sizes.includes(1_000_000)) {
    const big = find(results, runnerId, 1_000_000);
    const split = find(results, "e2-raw-unnest-split", 1_000_000);
    if (big && split) lines.push(target("1M: runner job ≤ 1.5 × raw unnest split over 2 processes", ratio(big.jobMs, split.jobMs), pass(big.jobMs <= 1.5 * split.jobMs, big, split)));
    const runnerRows = results.filter((r) => r.n === 1_000_000 && r.method.kind === "runner");
    const worst = Math.max(0, ...runnerRows.map((r) => maxRss(r.samples)));
    if (runnerRows.length) lines.push(target("1M: peak RSS ≤ 300 MB in every runner process", `largest: ${Math.round(worst)} MB`, worst <= 300));
  } else {
    lines.push(target("1M targets (job ≤ 1.5 × split raw unnest; RSS ≤ 300 MB)", "run with --large", undefined));
  }
  lines.push("");
  return lines;
}

function allRuns(results: MethodRuns[]): string[] {
  const lines = ["<details><summary>Every run (job s / whole command s)</summary>", "", "| method | N | runs |", "|---|--:|---|"];
  for (const r of results) {
    const runs = r.samples
      .map((s) => (s.ok ? `${seconds(s.jobMs)} / ${seconds(s.wallMs)}` : `failed after ${seconds(s.wallMs)} s`) + (s.busyBefore === undefined ? "" : " (busy*)"))
      .join("; ");
    lines.push(`| ${r.method.label} | ${thousands(r.n)} | ${runs} |`);
  }
  lines.push("", "(busy*) = the machine was still busy with other work when the run started (see the note on quiet).", "");
  const hogs = new Map<string, number>();
  for (const r of results) for (const s of r.samples) for (const b of s.busiest ?? []) {
    const command = b.replace(/^\d+% /, "");
    hogs.set(command, (hogs.get(command) ?? 0) + 1);
  }
  if (hogs.size) {
    lines.push("Other processes found busy before runs (times seen):", "");
    for (const [command, times] of [...hogs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`- ${times}× \`${command}\``);
    lines.push("");
  }
  lines.push("</details>", "");
  return lines;
}

export interface ReportInput {
  results: MethodRuns[];
  maxWaitMs: number;
  sizes: number[];
  reps: number;
  machine: string[];
  command: string;
  startedAt: Date;
  elapsedMs: number;
}

export function renderReport(input: ReportInput): string {
  const { results, sizes } = input;
  const out = [
    "# Benchmarks",
    "",
    `Generated by \`npm run bench\` on ${input.startedAt.toISOString()} (the whole bench took ${Math.round(input.elapsedMs / 1000)} s). Reproduce with:`,
    "",
    "```sh",
    input.command,
    "```",
    "",
    "## Machine",
    "",
    ...input.machine,
    "",
    "## Results",
    "",
    `Median of ${input.reps} run${input.reps > 1 ? "s" : ""} per method and size; the table is re-seeded (TRUNCATE, INSERT, VACUUM ANALYZE, CHECKPOINT) before every run, so every method starts from the same state and does the same work.`,
    "**job** = the work itself: for the runner, its `--json` `jobMs` (chunks planned → last commit; the workers are forked when the run starts and load their modules and connect while the parent connects and plans, so whatever of their start-up is not done by then counts in the job); for the other methods, from after the ORM/connection is ready to the last commit.",
    "**whole command** = the process from spawn to exit, measured from outside; **start-up + shutdown** = whole command − job.",
    "**peak RSS** = VmHWM of every process involved (parent, each worker / child), polled from /proc every 10 ms, max over the runs.",
    `**quiet**: other work shares this machine, so ${describeQuietRule(input.maxWaitMs)}; runs that started anyway are marked (busy*) under "Every run".`,
    "**events** = row events a subscriber saw (after-events, with before-events checked equal; for the audit subscriber, user_audit rows); they must equal N.",
    "",
  ];
  const versions = [...new Set(results.flatMap((r) => r.samples.map((s) => s.code)).filter(Boolean))];
  if (versions.length > 1) {
    out.push(`**Warning**: the code changed while the bench ran (others commit to the same tree); runs used ${versions.join(", ")}. Compare rows with care.`, "");
  } else if (versions.length === 1) {
    out.push(`Every run used the code at ${versions[0]}.`, "");
  }
  for (const n of sizes) {
    for (const path of ["update", "create", "upsert"] as BenchPath[]) out.push(...pathTable(results, path, n));
    out.push(...demoTable(results, n));
  }
  out.push(...commandTable(results, sizes), ...sameWorkTable(results, sizes), ...targetsTable(results, sizes), ...allRuns(results));
  return out.join("\n");
}
