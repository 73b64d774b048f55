import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "data-script.js");
/** The package's TypeScript hook, as `node -r` preloads it (the built package: npm test builds first). */
export const REGISTER = join(ROOT, "dist", "typescript", "preload.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Its own process group (a host of its own): `process.kill(-child.pid, signal)` reaches its whole tree. */
  detached?: boolean;
  /** Started under `ulimit -s <kb>`: Linux lets a new process's arguments and environment take a quarter of it. */
  stackLimitKb?: number;
}

/** Starts `data-script …` as a user would, in its own process. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  // CI is the test's to set: the embedded server never starts under CI without --embedded.
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: "0", CI: undefined, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const [command, commandArgs] = options.stackLimitKb
    ? ["/bin/sh", ["-c", `ulimit -s ${options.stackLimitKb} && exec "$0" "$@"`, process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  const child = spawn(command, commandArgs, { cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv, detached: options.detached });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => (options.detached ? killTree(child, "SIGKILL") : child.kill("SIGKILL")), options.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Resolves once `predicate` holds (a predicate that throws, e.g. on a table not yet created, counts as false). */
export async function waitFor(predicate: () => Promise<boolean> | boolean, timeoutMs = 60_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const holds = async () => {
    try {
      return await predicate();
    } catch {
      return false;
    }
  };
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Signals a detached CLI's whole process group: its parent and its worker processes. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
