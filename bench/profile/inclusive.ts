import { readFileSync } from "node:fs";

/**
 * Inclusive (self + callees) time of named functions in a .cpuprofile: how long
 * each phase of a chunk takes, whoever does the work underneath. A function that
 * appears under itself (recursion) is counted once per stack.
 *   node -r @swc-node/register bench/profile/inclusive.ts <file.cpuprofile> name[@file-part] …
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export function inclusiveTimes(file: string, names: string[]): { name: string; ms: number }[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const matchers = names.map((spec) => {
    const [fn, part] = spec.split("@");
    return (n: Node) => n.callFrame.functionName === fn && (!part || n.callFrame.url.includes(part));
  });
  const totals = names.map(() => 0);
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const seen = names.map(() => false);
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)!;
      matchers.forEach((m, k) => {
        if (!seen[k] && m(node)) seen[k] = true;
      });
    }
    seen.forEach((s, k) => s && (totals[k] += us));
  }
  return names.map((name, k) => ({ name, ms: totals[k] / 1000 }));
}

if (require.main === module) {
  const [file, ...names] = process.argv.slice(2);
  for (const { name, ms } of inclusiveTimes(file, names)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${name}`);
}
