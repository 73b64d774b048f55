import type { RunSample } from "../ledger/runs";
import type { ChunkSample } from "../messages";

/**
 * A dry run's sample as it is printed and kept on its run: only the columns whose value would
 * change, as JSON text, so a NUL or a Date survives the ledger's jsonb as the summary shows it.
 */
export function sampleChanges(sample: ChunkSample): RunSample {
  if (sample.removed) return { key: sample.key, changes: [], removed: sample.removed };
  const changes: RunSample["changes"] = [];
  for (const column of Object.keys(sample.after)) {
    const before = JSON.stringify(sample.before[column]) ?? "undefined";
    const after = JSON.stringify(sample.after[column]) ?? "undefined";
    if (before !== after) changes.push({ column, before, after });
  }
  return { key: sample.key, changes };
}
