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
 * Run, operated from any machine (controls.ts; who, when and why on the run and in data_script_controls):
 *   running     → paused       `pause`: every participant holds at its next chunk boundary (in-flight chunks commit)
 *   paused      → running      `resume`: the hold lifts; hosts stopped meanwhile rejoin with --join
 *   running / paused → cancelled   `cancel`: every participant stops at its next chunk boundary, the run ends cancelled;
 *                              its saved chunks stay saved (revertible), the last participant out records the totals
 *   failed / interrupted → cancelled   `cancel` of an unfinished run nobody works on: it is not resumed
 *   paused      → paused       its participants left (SIGTERM, a pod stopped): the run stays paused, a new host holds with it
 *   cancelled   → reverted     a revert of its saved chunks completed
 *   cancelled   is never resumed: the script's next invocation (run --pending included) starts a new run over every row
 *   anything else (pausing a paused or finished run, resuming one not paused, cancelling twice) → refused (exit 2)
 * Chunk:
 *   pending → saved    data and ledger row committed in one transaction, by an active participant
 *   saved   → done     afterSave returned (or the script has none)
 *   pending → pending  an attempt failed: retried after a back-off, by any participant
 *   pending → failed   out of attempts (or an error no retry can mend); reopened on resume
 * Participant:
 *   active → finished | left | failed   its own end (all work done / interrupted / its error)
 *   active → evicted                    silent past the lease: another participant ended it
 */
export type RunStatus = "running" | "completed" | "failed" | "interrupted" | "reverted" | "paused" | "cancelled";
export type ChunkStatus = "pending" | "saved" | "done" | "failed";

export const RESUMABLE: RunStatus[] = ["running", "failed", "interrupted", "paused"];

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
  | { action: "start"; discard?: number }
  /** The unfinished run was started with other parameters or another input file: resuming it would mix two runs. */
  | { action: "refuse"; runId: number; reason: string };

/**
 * What to do given the script's latest real run and whether a live participant
 * is at work on any run of the script (dry runs always start afresh):
 *
 *   someone at work   latest               flags               → decision
 *   yes               running              --join              → join
 *   yes               paused               --join              → join (and hold with the others until resumed)
 *   yes               any                  otherwise           → locked (exit 3)
 *   no                none                 any                 → start
 *   no                completed            — / --join          → skip
 *   no                completed            --force             → start
 *   no                reverted             any                 → start
 *   no                cancelled            any                 → start (a cancelled run is never resumed)
 *   no                paused               — / --join          → resume: this host holds until someone resumes the run
 *   no                running/failed/int.  — / --join          → resume (a running run nobody works on crashed)
 *   no                running/failed/int.  --restart/--force   → start, discarding the old run's progress
 *   no                running/failed/int.  other typed parameters, or another input file → refuse (exit 2)
 *                                          (with --restart or --force: start, discarding, as above)
 */
export function decideStart(
  latest: (RunIdentity & { id: number; status: RunStatus }) | undefined,
  someoneAtWork: boolean,
  flags: { force: boolean; restart: boolean; join: boolean; dryRun: boolean },
  given?: RunInputs,
): StartDecision {
  if (someoneAtWork) {
    if (!flags.join || (latest?.status !== "running" && latest?.status !== "paused") || flags.dryRun) return { action: "locked" };
    // Every participant of a run works with the same parameters and input.
    return refusal(latest, given, "join it with the same") ?? { action: "join", runId: latest.id };
  }
  // A reverted run is as good as none: asked for by name, the script runs again.
  if (flags.dryRun || !latest || latest.status === "reverted" || latest.status === "cancelled") return { action: "start" };
  if (latest.status === "completed") return flags.force ? { action: "start" } : { action: "skip", runId: latest.id };
  if (flags.force || flags.restart) return { action: "start", discard: latest.id };
  return refusal(latest, given, "resume it with the same") ?? { action: "resume", runId: latest.id };
}

function refusal(latest: RunIdentity & { id: number; status: RunStatus }, given: RunInputs | undefined, how: string): StartDecision | undefined {
  const mismatch = given && differences(latest, given);
  if (!mismatch) return undefined;
  return {
    action: "refuse",
    runId: latest.id,
    reason:
      `has an unfinished run (#${latest.id}, ${latest.status}) started with ${mismatch.text}; ` +
      `${how} ${mismatch.same}, or pass --restart to discard its progress and start over`,
  };
}

/** What a run was started with, besides its script: compared when it is resumed. */
export interface RunInputs {
  /** The validated parameters as JSON; `typed`: declared by the script's schema. */
  params: Record<string, unknown>;
  paramsTyped: boolean;
  input?: { name: string; checksum: string };
}

/** What the ledger recorded about a run's parameters and input file. */
export interface RunIdentity {
  params: Record<string, unknown> | null;
  params_typed: boolean;
  input_name: string | null;
  input_checksum: string | null;
}

/**
 * Why `given` is not what the run was started with, or undefined. Parameters are compared
 * only when a schema declared them both times (untyped ones are often pacing knobs such as
 * a sleep); an input file whenever the run had one.
 */
function differences(run: RunIdentity, given: RunInputs): { text: string; same: string } | undefined {
  if (run.input_checksum !== null && run.input_checksum !== (given.input?.checksum ?? null)) {
    const now = given.input ? `${given.input.name} (sha256 ${given.input.checksum.slice(0, 12)}…)` : "no input file";
    return { text: `another input file: ${run.input_name} (sha256 ${run.input_checksum.slice(0, 12)}…) then, ${now} now`, same: "file" };
  }
  if (!run.params_typed || !given.paramsTyped || run.params === null) return undefined;
  const keys = [...new Set([...Object.keys(run.params), ...Object.keys(given.params)])].sort();
  const changed = keys.filter((k) => canonical(run.params![k]) !== canonical(given.params[k]));
  if (!changed.length) return undefined;
  const shown = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));
  return { text: `other parameters: ${changed.map((k) => `${k} ${shown(run.params![k])} then, ${shown(given.params[k])} now`).join("; ")}`, same: "parameters" };
}

// JSON with sorted keys: the same values given in another order are the same parameters.
function canonical(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/** A request from an operator (CLI, API or dashboard), on any machine. */
export type ControlAction = "pause" | "resume" | "cancel";

/** The run's statuses each request moves from, and the status it moves to (the table at the top, as data). */
export const CONTROL_MOVES: Record<ControlAction, { from: RunStatus[]; to: RunStatus }> = {
  pause: { from: ["running"], to: "paused" },
  resume: { from: ["paused"], to: "running" },
  cancel: { from: ["running", "paused", "failed", "interrupted"], to: "cancelled" },
};

/** What a control request finds: the script's latest run, its latest request, and how many live participants work on it. */
export interface ControlTarget {
  id: number;
  status: RunStatus;
  control_by: string | null;
  control_at: Date | null;
  atWork: number;
}

/**
 * Whether `action` may move the script's latest run, or why not (a usage
 * error, exit 2). A `running` run nobody works on crashed: it counts as
 * interrupted (cancellable, not pausable), as `status` shows it.
 */
export function decideControl(
  action: ControlAction,
  script: string,
  run: ControlTarget | undefined,
): { allowed: true; from: RunStatus[]; to: RunStatus } | { allowed: false; reason: string } {
  if (!run) return { allowed: false, reason: `${script} has never run: there is no run to ${action}` };
  const crashed = run.status === "running" && run.atWork === 0;
  const status: RunStatus = crashed ? "interrupted" : run.status;
  const move = CONTROL_MOVES[action];
  if (move.from.includes(status)) return { allowed: true, from: crashed ? ["running"] : [run.status], to: move.to };
  const which = `run #${run.id} of ${script}`;
  const asked = run.control_by && run.control_at ? ` (by ${run.control_by} at ${run.control_at.toISOString()})` : "";
  const is = `${which} is ${status}${crashed ? " (no host is at work on it)" : ""}`;
  switch (action) {
    case "pause":
      if (status === "paused") return refuse(`${which} is already paused${asked}; data-script resume ${script} lifts the pause`);
      if (status === "failed" || status === "interrupted") return refuse(`${is}: only a running run can be paused (nothing is claiming chunks)`);
      return refuse(`${is}: only a running run can be paused`);
    case "resume":
      if (status === "running") return refuse(`${is}, not paused: nothing to resume`);
      if (status === "failed" || status === "interrupted") return refuse(`${is}, not paused: to carry on with it, run data-script ${script}`);
      if (status === "cancelled") return refuse(`${is}${asked}: a cancelled run is not resumed; data-script ${script} starts a new run`);
      return refuse(`${is}, not paused: nothing to resume`);
    case "cancel":
      if (status === "cancelled") return refuse(`${which} was already cancelled${asked}`);
      return refuse(`${is}: no run in progress to cancel${status === "completed" ? ` (data-script revert ${script} undoes it)` : ""}`);
  }
}

function refuse(reason: string): { allowed: false; reason: string } {
  return { allowed: false, reason };
}
