/**
 * The statuses a run and a chunk can have, and the moves between them.
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
