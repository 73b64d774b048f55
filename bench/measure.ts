import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** One process of a measured command: its peak resident set (VmHWM) as last read before it exited. */
export interface ProcessPeak {
  pid: number;
  /** Short label from its command line, e.g. "node bin/data-script.js" or "node …/tinypool/…/process.js". */
  command: string;
  /** Depth in the process tree: 0 = the command itself. */
  depth: number;
  peakRssMb: number;
}

export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whole command, spawn → exit, measured from outside (start-up and shutdown included). */
  wallMs: number;
  processes: ProcessPeak[];
}

const POLL_MS = 10;

/**
 * Runs a command and polls /proc every 10 ms for it and all its descendants,
 * keeping each process's VmHWM (the kernel's own peak-RSS high-water mark, so
 * only growth in a process's last few ms before exit can be missed).
 */
export function measure(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }): Promise<Measured> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const peaks = new Map<number, ProcessPeak>();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const poll = () => {
    if (child.pid) sampleTree(child.pid, 0, peaks);
  };
  const timer = setInterval(poll, POLL_MS);
  const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30 * 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ code, stdout, stderr, wallMs, processes: [...peaks.values()].sort((a, b) => a.depth - b.depth || a.pid - b.pid) });
    });
  });
}

function sampleTree(pid: number, depth: number, peaks: Map<number, ProcessPeak>): void {
  const hwm = readHwmKb(pid);
  if (hwm === undefined) return;
  let peak = peaks.get(pid);
  if (!peak) {
    peak = { pid, command: "?", depth, peakRssMb: 0 };
    peaks.set(pid, peak);
  }
  // Re-read every time: between fork and exec, and before npm sets its title, the command line is not yet the final one.
  const command = commandOf(pid);
  if (command !== "?") peak.command = command;
  peak.peakRssMb = Math.max(peak.peakRssMb, hwm / 1024);
  for (const child of childrenOf(pid)) sampleTree(child, depth + 1, peaks);
}

function readHwmKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined; // zombies have no VmHWM line
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    let argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    // A process that set its title (npm does) has one argv entry with spaces.
    if (argv.length === 1) argv = argv[0].split(" ");
    const exe = argv[0]?.split("/").pop() ?? "?";
    const script = argv.slice(1).find((a) => !a.startsWith("-") && /\.(js|ts|mjs|cjs)$/.test(a));
    return script ? `${exe} ${shorten(script)}` : [exe, ...argv.slice(1, 3)].join(" ");
  } catch {
    return "?";
  }
}

function shorten(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? `…/${parts.slice(-2).join("/")}` : path;
}
