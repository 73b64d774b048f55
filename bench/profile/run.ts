import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { openBenchDatabase } from "../database";
import { METHODS } from "../methods/registry";
import { prepareDatabase } from "../schema";
import { resetFor } from "../seed";
import { formatSummary, summarize } from "./summarize";

/**
 * Profiles one bench method with `node --cpu-prof`, every process of it
 * (the flag reaches the runner's Tinypool workers through execArgv):
 *   node -r @swc-node/register bench/profile/run.ts [method-id] [N]
 * default: a-runner-w1-count at 100,000. Profiles and summary.md go to bench/.cpuprofile/<method>-<N>/.
 */
const ROOT = join(__dirname, "..", "..");

async function main() {
  const id = process.argv[2] ?? "a-runner-w1-count";
  const n = Number(process.argv[3] ?? 100_000);
  const method = METHODS.find((m) => m.id === id);
  if (!method) throw new Error(`unknown method ${id}; ids: ${METHODS.map((m) => m.id).join(", ")}`);
  const dir = join(ROOT, "bench", ".cpuprofile", `${id}-${n}`);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".cpuprofile")) require("node:fs").rmSync(join(dir, f));
  const database = await openBenchDatabase(false, (l) => console.error(l), "ds_bench_profile");
  const db = new Client({ connectionString: database.url });
  try {
    await db.connect();
    await prepareDatabase(db, database.url);
    await resetFor(db, method.path, n);
    const inv = method.invocation(n, 1_000, database.url);
    if (inv.command !== process.execPath) throw new Error(`${id} is not started by node directly; profile the node command instead`);
    // Node 20 refuses --cpu-prof in NODE_OPTIONS; on the command line it reaches the runner's
    // Tinypool workers too (child_process.fork inherits process.execArgv).
    const flags = ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=200", "-r", join(__dirname, "exit-on-sigterm.js")];
    const result = spawnSync(inv.command, [...flags, ...inv.args], { cwd: ROOT, env: { ...process.env, ...inv.env }, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${id} failed: ${result.stderr}`);
    const json = method.kind === "runner" ? JSON.parse(result.stdout) : undefined;
    const profiles = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
    const parts = [`# Profile of ${id}, N = ${n}`, "", json ? `runner: jobMs ${json.jobMs}, wallMs ${json.wallMs} (with the profiler on)` : result.stdout.trim(), ""];
    for (const f of profiles) parts.push(formatSummary(summarize(join(dir, f))));
    writeFileSync(join(dir, "summary.md"), parts.join("\n"));
    console.log(parts.join("\n"));
  } finally {
    await db.end().catch(() => undefined);
    await database.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
