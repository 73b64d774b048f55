import "reflect-metadata";
import { mkdirSync, writeFileSync } from "node:fs";
import { getPriority } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";
import { parseArgs } from "./args";
import { openBenchDatabase, redactUrl } from "./database";
import { describeMachine } from "./machine";
import { METHODS } from "./methods/registry";
import { renderReport, type MethodRuns } from "./report";
import { runOnce } from "./run-one";
import { prepareDatabase } from "./schema";
import { seconds, thousands } from "./stats";

/**
 * `npm run bench`: the same jobs done by the runner and by the alternatives,
 * each run in its own process(es) from the same seeded state; the table is
 * printed and written to bench/results.md.
 */
const ROOT = join(__dirname, "..");

function reproduceCommand(raw: string[]): string {
  const url = process.env.DATABASE_URL;
  const args = raw.length ? ` -- ${raw.join(" ")}` : "";
  const nice = getPriority() < 0 ? `nice -n ${getPriority()} ` : "";
  return `${url ? `DATABASE_URL=${redactUrl(url)} ` : ""}${nice}npm run bench${args}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const command = reproduceCommand(args.raw);
  const startedAt = new Date();
  const log = (line: string) => console.error(line);
  const database = await openBenchDatabase(args.keep, log);
  const db = new Client({ connectionString: database.url });
  const results: MethodRuns[] = [];
  try {
    await db.connect();
    await prepareDatabase(db, database.url);
    const machine = await describeMachine(db, database.server);
    const methods = METHODS.filter((m) => !args.only.length || args.only.some((o) => m.id.includes(o)));
    if (!methods.length) throw new Error(`--only ${args.only.join(",")} matches no method; ids: ${METHODS.map((m) => m.id).join(", ")}`);
    log(`bench database: ${redactUrl(database.url)} (${database.server}); sizes ${args.sizes.map(thousands).join(", ")}; ${args.reps} run(s) each`);
    const write = () => {
      const report = renderReport({ results, maxWaitMs: args.maxWaitMs, sizes: args.sizes, reps: args.reps, machine: machine.lines, command, startedAt, elapsedMs: Date.now() - startedAt.getTime() });
      mkdirSync(dirname(args.out), { recursive: true });
      writeFileSync(args.out, report + "\n");
      return report;
    };
    for (const n of args.sizes) {
      const here = methods.filter((m) => n <= m.maxN);
      const runs = here.map((method) => ({ method, n, samples: [] as MethodRuns["samples"] }));
      results.push(...runs);
      // Runs interleave (every method once, then again) so drift on the machine spreads over all methods.
      for (let rep = 1; rep <= args.reps; rep++) {
        for (const entry of runs) {
          // A failure is deterministic here (e.g. a parameter limit): don't spend the remaining runs on it.
          if (entry.samples.some((s) => !s.ok)) continue;
          const sample = await runOnce(db, entry.method, n, database.url, ROOT, args.maxWaitMs);
          entry.samples.push(sample);
          const events = sample.events === undefined ? "" : `, events ${thousands(sample.events)}`;
          log(
            `[N=${thousands(n)} run ${rep}/${args.reps}] ${entry.method.id}: ` +
              (sample.ok ? `job ${seconds(sample.jobMs)} s, whole ${seconds(sample.wallMs)} s${events}` : `FAILED: ${sample.error}`) +
              (sample.busyBefore === undefined
                ? ""
                : ` (machine ${Math.round(sample.busyBefore * 100)}% busy before the run: ${sample.busiest?.join("; ") || "?"})`),
          );
        }
      }
      write();
    }
    console.log(write());
    log(`written to ${args.out}`);
  } finally {
    await db.end().catch(() => undefined);
    await database.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
