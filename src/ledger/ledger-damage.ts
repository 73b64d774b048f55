import type { ChunkAccount } from "./chunks";

/**
 * Why a run's chunks in the ledger are not what it planned, or undefined. A run completes only
 * when every planned chunk is accounted for; a chunk row deleted (or marked saved) by hand while
 * it ran would otherwise let it end `completed` with rows never written, and a resume either never
 * come back to them (table kind) or apply them again (source kind).
 *
 * `final`: at the end of the run, when its plan (`chunks_total`) is complete; before a resume only
 * the numbering is checked (chunks are numbered 1..n; a revert's follow the run it undoes).
 */
export function ledgerDamage(run: { id: number; chunks_total: number; kind: string; script?: string }, account: ChunkAccount, final: boolean): string | undefined {
  const problems: string[] = [];
  if (run.kind === "apply" && account.missing.length) problems.push(`chunk row(s) ${list(account.missing)} missing`);
  if (final && account.held !== run.chunks_total) problems.push(`it planned ${run.chunks_total} chunk(s) and the ledger holds ${account.held}`);
  if (account.unsaved.length) problems.push(`chunk(s) ${list(account.unsaved)} marked saved without being written by the run`);
  if (!problems.length) return undefined;
  return (
    `the ledger was changed while run #${run.id} was in it (${problems.join("; ")}): the rows of those chunks may never have been written, ` +
    `so the run is not completed and cannot be resumed. Start over: data-script ${run.script ?? "<script>"} --restart ` +
    `(an insert-kind script: data-script revert ${run.script ?? "<script>"} first)`
  );
}

function list(numbers: number[]): string {
  return numbers.length >= 10 ? `${numbers.join(", ")}, …` : numbers.join(", ");
}
