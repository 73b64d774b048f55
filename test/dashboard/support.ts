import type { ChildProcess } from "node:child_process";
import { startCli, waitFor, type CliResult } from "../support/cli";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * The dashboard's tests drive the demo app (ormconfig.ts, its entities and migration) with the
 * demo's scripts or the dashboard fixtures' (a slow script with a secret parameter, a poisoned one).
 */
export const DEMO_SCRIPTS = "scripts";
export const FIXTURE_SCRIPTS = "test/fixtures/dashboard/scripts";

export function cli(url: string, scripts: string, args: string[], options: { timeoutMs?: number } = {}) {
  return startCli([...args, "-d", "ormconfig.ts", "--scripts", scripts, "--no-progress"], { env: { DATABASE_URL: url }, timeoutMs: options.timeoutMs ?? 180_000 });
}

/** A fresh database with the demo's tables and `users` demo users (the demo's own create-users script). */
export async function demoDatabase(prefix: string, users: number): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const created = await cli(db.url, DEMO_SCRIPTS, ["2024-create-users", "--param", `count=${users}`, "--workers", "1"]).done;
  if (created.code !== 0) throw new Error(`seeding failed: ${created.stderr}`);
  return db;
}

export interface Ui {
  /** The URL `ui` printed, with its token. */
  url: string;
  /** Its origin and root: http://127.0.0.1:<port>/ */
  base: string;
  token: string;
  child: ChildProcess;
  done: Promise<CliResult>;
  stop(): Promise<CliResult>;
}

/** `data-script ui --port 0 [extra]`: resolves once it printed its URL. */
export async function startUi(url: string, scripts: string, extra: string[] = []): Promise<Ui> {
  const run = cli(url, scripts, ["ui", "--port", "0", ...extra], { timeoutMs: 600_000 });
  let stdout = "";
  run.child.stdout!.on("data", (d) => (stdout += d));
  let exited = false;
  void run.done.then(() => (exited = true));
  await waitFor(() => exited || /http:\/\/\S+token=\S+/.test(stdout), 30_000);
  const printed = /(http:\/\/\S+token=(\S+))/.exec(stdout);
  if (!printed) throw new Error(`ui did not start: ${(await run.done).stderr}`);
  const base = printed[1].replace(/\?token=.*$/, "");
  return {
    url: printed[1],
    base,
    token: printed[2],
    child: run.child,
    done: run.done,
    async stop() {
      run.child.kill("SIGTERM");
      return run.done;
    },
  };
}

/** Trades the token for the session cookie, as a browser's first visit does. */
export async function login(ui: Ui): Promise<string> {
  const response = await fetch(ui.url, { redirect: "manual" });
  const cookie = response.headers.get("set-cookie");
  if (response.status !== 303 || !cookie) throw new Error(`login: ${response.status}`);
  return cookie.split(";")[0];
}

export async function runOf(db: TestDatabase, script: string): Promise<{ id: number; status: string }> {
  const [run] = await db.query<{ id: number; status: string }>(`SELECT id, status FROM data_script_runs WHERE script = $1 ORDER BY id DESC LIMIT 1`, [script]);
  return run;
}

export async function savedChunks(db: TestDatabase, runId: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int n FROM data_script_chunks WHERE run_id = $1 AND status IN ('saved', 'done')`, [runId]);
  return row.n;
}
