/**
 * The statuses a run and a chunk can have, the moves between them, and the
 * decision a new invocation takes from the script's latest run.
 *
 * Run (finalised by exactly one participant, the last one at work):
 *   running     → completed    every chunk done
 *   running     → failed       a chunk failed for good (its error stops every participant), or afterSave failed
 *   running     → interrupted  its last participant left (SIGINT/SIGTERM) with chunks still to do;
 *                              or found `running` with no participant alive (killed processes)
 *   failed / interrupted → running   resumed by the next `data-script <name>`
 *   completed / failed / interrupted → reverted   a revert of it completed (its before-images used)
 * Chunk:
 *   pending → saved    data and ledger row committed in one transaction, by an active participant
 *   saved   → done     afterSave returned (or the script has none)
 *   pending → pending  an attempt failed: retried after a back-off, by any participant
 *   pending → failed   out of attempts (or an error no retry can mend); reopened on resume
 * Participant:
 *   active → finished | left | failed   its own end (all work done / interrupted / its error)
 *   active → evicted                    silent past the lease: another participant ended it
 */
export type RunStatus = "running" | "completed" | "failed" | "interrupted" | "reverted";
export type ChunkStatus = "pending" | "saved" | "done" | "failed";

export const RESUMABLE: RunStatus[] = ["running", "failed", "interrupted"];

/** A chunk whose data is committed (afterSave may still be pending). */
export const SETTLED: ChunkStatus[] = ["saved", "done"];

export type StartDecision =
  /** The latest run completed and nobody asked for another: nothing to do. */
  | { action: "skip"; runId: number }
  /** Someone is at work on the script (a live participant, or planning right now) and this invocation did not ask to join. */
  | { action: "locked" }
  /** Work on the run in progress as one more participant (--join). */
  | { action: "join"; runId: number }
  /** Carry on with the latest run, nobody alive on it: saved chunks stay, the rest run. */
  | { action: "resume"; runId: number }
  /** A new run; `discard` is a resumable run whose progress --restart (or --force) throws away first. */
  | { action: "start"; discard?: number };

/**
 * What to do given the script's latest real run and whether a live participant
 * is at work on any run of the script (dry runs always start afresh):
 *
 *   someone at work   latest               flags               → decision
 *   yes               running              --join              → join
 *   yes               any                  otherwise           → locked (exit 3)
 *   no                none                 any                 → start
 *   no                completed            — / --join          → skip
 *   no                completed            --force             → start
 *   no                reverted             any                 → start
 *   no                running/failed/int.  — / --join          → resume (a running run nobody works on crashed)
 *   no                running/failed/int.  --restart/--force   → start, discarding the old run's progress
 */
export function decideStart(
  latest: { id: number; status: RunStatus } | undefined,
  someoneAtWork: boolean,
  flags: { force: boolean; restart: boolean; join: boolean; dryRun: boolean },
): StartDecision {
  if (someoneAtWork) return flags.join && latest?.status === "running" && !flags.dryRun ? { action: "join", runId: latest.id } : { action: "locked" };
  // A reverted run is as good as none: asked for by name, the script runs again.
  if (flags.dryRun || !latest || latest.status === "reverted") return { action: "start" };
  if (latest.status === "completed") return flags.force ? { action: "start" } : { action: "skip", runId: latest.id };
  return flags.force || flags.restart ? { action: "start", discard: latest.id } : { action: "resume", runId: latest.id };
}
