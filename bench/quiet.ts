import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

/**
 * Other work on this machine (other people's tests share its 2 cores) skews a
 * run. Before each timed run, wait until the whole machine has been nearly idle
 * for one second; give up after a while, flag the run and name what was busy.
 */
const WINDOW_MS = 1_000;
/** Busy share of all cores that still counts as quiet (the bench itself is idle between runs). */
const QUIET_SHARE = 0.15;
const MAX_WAIT_MS = 20_000;

function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** CPU ticks (utime + stime) of every process, with its command line. */
function processTicks(): Map<number, { ticks: number; command: string }> {
  const out = new Map<number, { ticks: number; command: string }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      const command = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").replace(/\s+/g, " ").trim().slice(0, 90);
      out.set(Number(name), { ticks, command });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export interface QuietResult {
  quiet: boolean;
  waitedMs: number;
  /** Busy share (0..1) of the last window before the run. */
  busy: number;
  /** The busiest other processes in that window ("97% node bin/data-script.js …"). */
  busiest: string[];
}

async function window(): Promise<{ busy: number; busiest: string[] }> {
  const a = cpuTimes();
  const pa = processTicks();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const b = cpuTimes();
  const pb = processTicks();
  const cores = cpus().length;
  const busiest = [...pb.entries()]
    .filter(([pid]) => pid !== process.pid)
    .map(([pid, p]) => ({ share: (p.ticks - (pa.get(pid)?.ticks ?? p.ticks)) / ((b.total - a.total) / cores), command: p.command }))
    .filter((p) => p.share >= 0.1)
    .sort((x, y) => y.share - x.share)
    .slice(0, 3)
    .map((p) => `${Math.round(p.share * 100)}% ${p.command || "?"}`);
  return { busy: b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0, busiest };
}

export async function waitForQuiet(maxWaitMs = MAX_WAIT_MS): Promise<QuietResult> {
  const started = Date.now();
  let last = { busy: 1, busiest: [] as string[] };
  while (Date.now() - started < maxWaitMs) {
    last = await window();
    if (last.busy <= QUIET_SHARE) return { quiet: true, waitedMs: Date.now() - started, ...last };
  }
  return { quiet: false, waitedMs: Date.now() - started, ...last };
}

export function describeQuietRule(maxWaitMs = MAX_WAIT_MS): string {
  return `before each run the bench waits (up to ${maxWaitMs / 1000} s) until the machine's ${cpus().length} cores are ≤ ${QUIET_SHARE * 100}% busy over one second`;
}
