import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/**
 * Other work on this machine (other people's tests share its 2 cores) skews a
 * run. Before each timed run, wait until the whole machine has been nearly idle
 * for one second; give up after a while and flag the run instead.
 */
const WINDOW_MS = 1_000;
/** Busy share of all cores that still counts as quiet (the bench itself is idle between runs). */
const QUIET_SHARE = 0.15;

function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** Busy share of all cores over `ms`. */
export async function busyShare(ms = WINDOW_MS): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

export interface QuietResult {
  quiet: boolean;
  waitedMs: number;
  /** Busy share (0..1) of the last window before the run. */
  busy: number;
}

export async function waitForQuiet(maxWaitMs = 30_000): Promise<QuietResult> {
  const started = Date.now();
  let busy = 1;
  while (Date.now() - started < maxWaitMs) {
    busy = await busyShare();
    if (busy <= QUIET_SHARE) return { quiet: true, waitedMs: Date.now() - started, busy };
  }
  return { quiet: false, waitedMs: Date.now() - started, busy };
}

export function describeQuietRule(): string {
  return `before each run the bench waits (up to 30 s) until the machine's ${cpus().length} cores are ≤ ${QUIET_SHARE * 100}% busy over one second`;
}
