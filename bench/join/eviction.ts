import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Client } from "pg";

const ROOT = join(__dirname, "..", "..");

export interface Eviction {
  leaseS: number;
  /** From SIGSTOP of the paused host's whole process tree to its participant row marked evicted. */
  evictedAfterMs: number;
  /** The paused host, resumed after the others finished: its exit code and whether it said it was evicted. */
  pausedExit: number | null;
  saidEvicted: boolean;
  /** The surviving host's exit code. */
  survivorExit: number | null;
}

/**
 * Two hosts join the I/O-bound run (`--lease <leaseS>s`, each chunk's afterSave
 * waits `waitMs`, so the run outlasts the lease); once both work, one host's
 * whole process tree is stopped (SIGSTOP, as a paused VM or a partition looks
 * to the others). Measures how long until the other evicts it, lets the
 * survivor finish, resumes the paused one and records how it ends.
 */
export async function measureEviction(db: Client, url: string, leaseS: number, waitMs: number): Promise<Eviction> {
  const args = [
    join(ROOT, "bin", "data-script.js"), "join-io", "--join", "--workers", "1", "--no-progress", "--lease", `${leaseS}s`,
    "--param", `waitMs=${waitMs}`, "--scripts", "bench/join/scripts", "-d", "bench/data-source.ts",
  ];
  const env = { ...process.env, DATABASE_URL: url, BENCH_SUBSCRIBER: "count", FORCE_COLOR: "0" };
  const start = () => {
    const child = spawn(process.execPath, args, { env, cwd: ROOT, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    return { child, exit, stderr: () => stderr };
  };
  const survivor = start();
  const paused = start();
  try {
    return await pauseOne(db, leaseS, survivor, paused);
  } finally {
    // A measurement that gave up leaves no stopped process tree behind.
    for (const host of [survivor, paused]) {
      if (host.child.exitCode !== null || host.child.signalCode !== null) continue;
      for (const signal of ["SIGCONT", "SIGKILL"] as const) {
        try {
          process.kill(-host.child.pid!, signal);
        } catch {
          // already gone
        }
      }
    }
  }
}

interface Host {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr: () => string;
}

async function pauseOne(db: Client, leaseS: number, survivor: Host, paused: Host): Promise<Eviction> {
  const participants = async () =>
    (await db.query<{ pid: number; state: string; chunks: number }>(
      `SELECT p.pid, p.state, (SELECT count(*)::int FROM data_script_chunks c WHERE c.saved_by = p.id) AS chunks
       FROM data_script_participants p JOIN data_script_runs r ON r.id = p.run_id WHERE r.script = 'join-io'`,
    )).rows;
  // Both at work: each has saved a chunk.
  await until(async () => {
    const rows = await participants();
    return rows.length === 2 && rows.every((r) => r.chunks > 0);
  }, 120_000);
  process.kill(-paused.child.pid!, "SIGSTOP");
  const stoppedAt = Date.now();
  await until(async () => (await participants()).some((r) => r.pid === paused.child.pid && r.state === "evicted"), leaseS * 3_000 + 30_000);
  const evictedAfterMs = Date.now() - stoppedAt;
  const survivorExit = await survivor.exit;
  process.kill(-paused.child.pid!, "SIGCONT");
  const pausedExit = await paused.exit;
  return { leaseS, evictedAfterMs, pausedExit, saidEvicted: paused.stderr().includes("was evicted"), survivorExit };
}

async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
