import { readFileSync } from "node:fs";
import { categoriseStack, ownerOfStack, type Frame } from "./categories";

/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and adds up self time per function
 * and per category (by stack, see categories.ts). Self time comes from the sample
 * timestamps, not hit counts × interval.
 */
interface ProfileNode {
  id: number;
  callFrame: Frame & { lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  busyMs: number;
  categories: { category: string; ms: number }[];
  /** Self time by whose code the leaf is (see OWNERS). */
  owners: { category: string; ms: number }[];
  functions: { name: string; where: string; category: string; ms: number }[];
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf("node_modules/");
  if (i >= 0) return url.slice(i + "node_modules/".length);
  const j = url.indexOf("/main/");
  return j >= 0 ? url.slice(j + "/main/".length) : url.replace(/^file:\/\//, "");
}

export function summarize(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, string>();
  const stackOf = (id: number) => {
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
    return stack;
  };
  const categorise = (id: number) => {
    let category = categoryOf.get(id);
    if (category === undefined) categoryOf.set(id, (category = categoriseStack(stackOf(id))));
    return category;
  };
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the gap before sample i; attribute the gap after a sample to it.
  for (let i = 0; i < profile.samples.length; i++) {
    const next = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + next);
  }
  const functions = new Map<string, { name: string; where: string; category: string; ms: number }>();
  const categories = new Map<string, number>();
  const owners = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    const category = categorise(id);
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || "(anonymous)", where, category, ms: 0 };
    entry.ms += us / 1000;
    functions.set(key, entry);
    categories.set(category, (categories.get(category) ?? 0) + us / 1000);
    const owner = ownerOfStack(stackOf(id));
    owners.set(owner, (owners.get(owner) ?? 0) + us / 1000);
    totalUs += us;
  }
  const idle = categories.get("idle") ?? 0;
  return {
    file,
    totalMs: totalUs / 1000,
    busyMs: totalUs / 1000 - idle,
    categories: [...categories.entries()].map(([category, ms]) => ({ category, ms })).sort((a, b) => b.ms - a.ms),
    owners: [...owners.entries()].map(([category, ms]) => ({ category, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
  };
}

export function formatSummary(s: ProfileSummary, top = 25): string {
  const pct = (ms: number) => `${((100 * ms) / Math.max(s.busyMs, 1)).toFixed(1)}%`;
  const lines = [
    `${s.file}: ${(s.totalMs / 1000).toFixed(2)} s profiled, ${(s.busyMs / 1000).toFixed(2)} s not idle`,
    "",
    "| category | self ms | % of non-idle |",
    "|---|--:|--:|",
    ...s.categories.filter((c) => c.category !== "idle").map((c) => `| ${c.category} | ${c.ms.toFixed(0)} | ${pct(c.ms)} |`),
    `| (idle) | ${(s.totalMs - s.busyMs).toFixed(0)} | |`,
    "",
    "| whose code (see ownerOfStack) | self ms | % of non-idle |",
    "|---|--:|--:|",
    ...s.owners.filter((c) => c.category !== "idle").map((c) => `| ${c.category} | ${c.ms.toFixed(0)} | ${pct(c.ms)} |`),
    "",
    `| top self-time functions | where | counted as | self ms | % |`,
    "|---|---|---|--:|--:|",
    ...s.functions
      .filter((f) => f.category !== "idle")
      .slice(0, top)
      .map((f) => `| ${f.name} | ${f.where} | ${f.category} | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`),
    "",
  ];
  return lines.join("\n");
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) console.log(formatSummary(summarize(file)));
}
