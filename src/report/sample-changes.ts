import type { ChunkSample } from "../messages";

/** One column of a dry-run sample that would change: its values as JSON text, as the summary prints them. */
export interface SampleChange {
  column: string;
  before: string;
  after: string;
}

/** A dry run's sample as it is printed and kept in the ledger: the row, and what would change in it (or how it would go). */
export interface KeptSample {
  key: string;
  changes: SampleChange[];
  removed?: ChunkSample["removed"];
}

/** Only the columns whose value would change; JSON text, so a NUL or a Date survives the ledger's jsonb as the summary shows it. */
export function sampleChanges(sample: ChunkSample): KeptSample {
  if (sample.removed) return { key: sample.key, changes: [], removed: sample.removed };
  const changes: SampleChange[] = [];
  for (const column of Object.keys(sample.after)) {
    const before = JSON.stringify(sample.before[column]) ?? "undefined";
    const after = JSON.stringify(sample.after[column]) ?? "undefined";
    if (before !== after) changes.push({ column, before, after });
  }
  return { key: sample.key, changes };
}
