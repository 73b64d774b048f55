/**
 * The statuses a run and a chunk can have, the moves between them, and the
 * decision a new invocation takes from the script's latest run.
 *
 * Run:
 *   running     → completed    every chunk done
 *   running     → failed       a script error or a chunk that kept failing
 *   running     → interrupted  SIGINT/SIGTERM; or found `running` with nobody holding its lock (a killed parent)
 *   failed / interrupted → running   resumed by the next `data-script <name>`
 * Chunk:
 *   pending → saved    data and ledger row committed in one transaction
 *   saved   → done     afterSave returned (or the script has none)
 *   pending → failed   its transaction rolled back; retried on resume
 */
export type RunStatus = "running" | "completed" | "failed" | "interrupted";
export type ChunkStatus = "pending" | "saved" | "done" | "failed";

export const RESUMABLE: RunStatus[] = ["running", "failed", "interrupted"];

/** A chunk whose data is committed (afterSave may still be pending). */
export const SETTLED: ChunkStatus[] = ["saved", "done"];

export type StartDecision =
  /** The latest run completed and nobody asked for another: nothing to do. */
  | { action: "skip"; runId: number }
  /** Carry on with the latest run: saved chunks stay, the rest run. */
  | { action: "resume"; runId: number }
  /** A new run; `discard` is a resumable run whose progress --restart throws away first. */
  | { action: "start"; discard?: number };

/**
 * What to do given the script's latest real run (dry runs always start afresh):
 *
 *   latest               flags        → decision
 *   none                 any          → start
 *   completed            —            → skip
 *   completed            --force      → start
 *   running/failed/int.  —            → resume
 *   running/failed/int.  --restart    → start, discarding the old run's progress
 *   running/failed/int.  --force      → the same as --restart
 */
export function decideStart(
  latest: { id: number; status: RunStatus } | undefined,
  flags: { force: boolean; restart: boolean },
): StartDecision {
  if (!latest) return { action: "start" };
  if (latest.status === "completed") return flags.force ? { action: "start" } : { action: "skip", runId: latest.id };
  return flags.force || flags.restart ? { action: "start", discard: latest.id } : { action: "resume", runId: latest.id };
}
