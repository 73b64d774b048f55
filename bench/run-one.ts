import type { Client } from "pg";
import { SUM_EVENT_COUNTS, type EventCounts } from "./entities/event-counts";
import { codeVersion } from "./machine";
import { measure, type ProcessPeak } from "./measure";
import type { MethodSpec } from "./methods/registry";
import { waitForQuiet } from "./quiet";
import { verifyDemo } from "./demo";
import { resetFor, verify } from "./seed";

/** One timed run of one method at one size. */
export interface Sample {
  ok: boolean;
  error?: string;
  /** The job: chunks planned → last commit (runner's --json jobMs), or the method's own timing. */
  jobMs: number;
  /** The whole command from outside, start-up and shutdown included. */
  wallMs: number;
  /** The runner's own wallMs (runScript start → end), when the method is the runner. */
  runnerWallMs?: number;
  processes: ProcessPeak[];
  /** Row events the subscriber saw: after-events (count) or audit rows (audit); undefined without a subscriber. */
  events?: number;
  /** Counting subscriber: before-events, which must equal the after-events. */
  beforeEvents?: number;
  note?: string;
  /** The machine was not quiet before the run (other work on it): see quiet.ts. */
  busyBefore?: number;
  /** What kept it busy (one core = 100%). */
  busiest?: string[];
  /** The code this run ran (others commit to the same tree while the bench runs). */
  code?: string;
  /** demo: each script's job (its --json jobMs), by script name. */
  jobs?: Record<string, number>;
}

export const CHUNK = 1_000;

export async function runOnce(db: Client, method: MethodSpec, n: number, url: string, cwd: string, maxWaitMs: number): Promise<Sample> {
  await resetFor(db, method.path, n);
  const quiet = await waitForQuiet(maxWaitMs);
  const code = codeVersion();
  const inv = method.invocation(n, CHUNK, url);
  const m = await measure(inv.command, inv.args, { cwd, env: { ...process.env, ...inv.env, FORCE_COLOR: "0" } });
  const sample: Sample = { ok: false, jobMs: NaN, wallMs: m.wallMs, processes: m.processes, code };
  if (!quiet.quiet) {
    sample.busyBefore = quiet.busy;
    sample.busiest = quiet.busiest;
  }
  try {
    if (m.code !== 0) throw new Error(`exit ${m.code}: ${errorLine(m.stderr) ?? lastLines(m.stderr || m.stdout)}`);
    if (method.kind === "demo") {
      const { runs } = JSON.parse(m.stdout) as { runs: { script: string; status: string; jobMs: number; message?: string }[] };
      const failed = runs.find((r) => r.status !== "completed");
      if (failed || runs.length !== 2) throw new Error(`demo: ${failed ? `${failed.script} ${failed.status}: ${failed.message ?? ""}` : `${runs.length} scripts ran`}`);
      sample.jobs = Object.fromEntries(runs.map((r) => [r.script, r.jobMs]));
      // The README's rename: its job is the one the demo's numbers quote.
      sample.jobMs = runs[1].jobMs;
      const check = await verifyDemo(url, method.id === "demo-embedded", cwd, n);
      if (!check.ok) throw new Error(`wrong end state: ${check.detail}`);
      sample.events = check.auditRows;
      sample.ok = true;
      return sample;
    }
    if (method.kind === "runner") {
      const summary = JSON.parse(m.stdout);
      if (summary.status !== "completed") throw new Error(`runner status ${summary.status}: ${summary.message ?? ""}`);
      sample.jobMs = summary.jobMs;
      sample.runnerWallMs = summary.wallMs;
    } else {
      const line = m.stdout.split("\n").find((l) => l.startsWith("@@bench-result "));
      if (!line) throw new Error(`no result printed: ${lastLines(m.stderr || m.stdout)}`);
      const result = JSON.parse(line.slice("@@bench-result ".length));
      sample.jobMs = result.jobMs;
      sample.note = result.note;
    }
    const check = await verify(db, method.path, n);
    if (!check.ok) throw new Error(`wrong end state: ${check.detail}`);
    sample.ok = true;
  } catch (error) {
    sample.error = (error as Error).message;
  }
  if (method.kind !== "demo") await countEvents(db, method, sample);
  return sample;
}

async function countEvents(db: Client, method: MethodSpec, sample: Sample): Promise<void> {
  if (method.subscriber === "count" || method.subscriber === "stamp") {
    const c: EventCounts = (await db.query(SUM_EVENT_COUNTS)).rows[0];
    sample.events = c.afterInsert + c.afterUpdate;
    sample.beforeEvents = c.beforeInsert + c.beforeUpdate;
  } else if (method.subscriber === "audit") {
    sample.events = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM user_audit`)).rows[0].n;
  }
}

/** The first line that names an error (a stack's headline), if any. */
function errorLine(text: string): string | undefined {
  return text.split("\n").find((l) => /^\s*(\w+Error|Error)\b.*:/.test(l) || /^data-script: /.test(l))?.trim();
}

function lastLines(text: string, n = 6): string {
  return text.trim().split("\n").slice(-n).join(" | ").slice(0, 600);
}
