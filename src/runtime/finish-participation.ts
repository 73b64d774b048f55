import type { RunRow } from "../ledger/ledger";
import type { Dispatcher } from "./dispatcher";
import type { RunContext } from "./run-context";
import { ledgerDamage } from "../ledger/ledger-damage";
import { settle } from "./outcome";
import { ledgerAlteredMessage } from "./participation";
import type { Participation } from "./participation";
import { SKIPPED_KEYS_SHOWN } from "./summary";
import { sampleChanges } from "../report/sample-changes";
import { insertsRows, isSourceScript } from "../script/data-script";

/** How often a participant whose own work is done looks whether the others are done too. */
const WAIT_MS = 250;

/**
 * This participant's end. It records how it ended; then, unless it was
 * interrupted or evicted, it stays (heartbeating, evicting the silent) until
 * the run is finalised, so every host prints the run's outcome and totals.
 * The last participant at work finalises the run, under the script's lock:
 * exactly one does.
 */
export async function finishParticipation(args: {
  run: RunContext;
  runId: number;
  participant: number;
  participation: Participation;
  dispatcher: Dispatcher;
  /** The --input file could not be read past a line. */
  inputFailure?: string;
}): Promise<void> {
  const { run, runId, participant, participation, dispatcher } = args;
  const { ledger, summary, settings, loaded, hooks } = run;
  try {
    const interrupted = hooks.signal?.aborted === true;
    let final: RunRow | undefined;
    try {
      if (participation.ended || dispatcher.evicted) return await cutOff(args);
      await ledger.leave(participant, dispatcher.failure ? "failed" : interrupted ? "left" : "finished", dispatcher.failure);
      let saidPaused = false;
      for (;;) {
        final = await ledger.withScriptLock(loaded.name, () => finaliseIfLast(args));
        if (final || interrupted || participation.ended) break;
        // Its own work is done but the run is paused: it waits (heartbeating) to finalise it once resumed.
        if (!saidPaused && (await ledger.run(runId))?.status === "paused") {
          saidPaused = true;
          hooks.log(`${loaded.name}: run #${runId} is paused; this participant's work is done, it waits for data-script resume ${loaded.name} to finish the run`);
        }
        await new Promise((r) => setTimeout(r, WAIT_MS));
      }
    } catch (error) {
      await participation.cut(error);
      return await cutOff(args);
    }
    if (participation.lost) throw participation.lost;
    if (!final) {
      // Not interrupted: ended by the ledger (evicted, or its rows deleted by hand), which is a failure.
      summary.status = interrupted ? "interrupted" : "failed";
      const paused = interrupted && (await ledger.run(runId))?.status === "paused";
      summary.message = paused
        ? `interrupted: this participant left; run #${runId} stays paused (data-script resume ${loaded.name} lifts the pause; hosts started again with --join carry on)`
        : interrupted
          ? `interrupted: this participant left, in-flight chunks finished or rolled back; the others carry on with run #${runId}`
          : participation.ended;
      return;
    }
    summary.status = final.status === "running" || final.status === "paused" ? "failed" : final.status === "reverted" ? "completed" : final.status;
    if (final.status !== "completed") summary.message = final.error ?? undefined;
    if (final.status === "cancelled") {
      summary.message =
        `${final.error ?? "cancelled"}\n  the chunks saved before the cancel stay saved (data-script revert ${loaded.name} undoes them); ` +
        `a cancelled run is never resumed: data-script ${loaded.name} starts a new run`;
    }
    const participants = (await ledger.participants(runId)).length;
    summary.run = {
      scanned: Number(final.rows_scanned),
      changed: Number(final.rows_changed),
      inserted: Number(final.rows_inserted),
      skipped: Number(final.rows_skipped),
      conflicted: Number(final.rows_conflicted),
      deleted: Number(final.rows_deleted),
      removed: Number(final.rows_removed),
      chunks: final.chunks_total,
      ...(final.status === "cancelled" || final.status === "failed" ? { chunksWritten: await chunksWritten(ledger, runId, final.chunks_total) } : {}),
      participants,
    };
    if (settings.dryRun) summary.run = undefined;
    else if (summary.revertOf !== undefined) summary.skippedKeys = await ledger.skippedKeys(runId, SKIPPED_KEYS_SHOWN);
  } finally {
    await participation.stop();
  }
}

/**
 * Evicted: it touches nothing more; the others carry the run. Cut off from a
 * database that went away: the command fails with that error (the CLI says
 * nothing is half-written and how to resume).
 */
async function cutOff({ run, runId, participant, participation }: { run: RunContext; runId: number; participant: number; participation: Participation }): Promise<void> {
  if (participation.lost) throw participation.lost;
  run.summary.status = "failed";
  // No run row, or no row for this participant: nobody evicted it, someone deleted them.
  const altered = !participation.ended && (await ledgerRowsGone(run, runId, participant));
  run.summary.message = altered ? ledgerAlteredMessage(runId) : participation.ended ?? `this participant (${participation.label}) was evicted; the others carry the run`;
}

async function ledgerRowsGone(run: RunContext, runId: number, participant: number): Promise<boolean> {
  try {
    return !(await run.ledger.run(runId)) || (await run.ledger.participantState(participant)) === undefined;
  } catch {
    return false;
  }
}

/** Under the script's lock: the run as finalised (by this participant now, or by another), or undefined while others work on it. */
async function finaliseIfLast(args: { run: RunContext; runId: number; participant: number; dispatcher: Dispatcher; inputFailure?: string }): Promise<RunRow | undefined> {
  const { run, runId, participant, dispatcher, inputFailure } = args;
  const { ledger, summary, settings, loaded, hooks } = run;
  const current = await ledger.run(runId);
  // Paused: finalised once someone resumes it (or cancels it); meanwhile this participant waits.
  if (current?.status === "paused") return undefined;
  if (current?.status === "cancelled") {
    // Every participant stops at its next chunk boundary; the last one out records the totals.
    if (current.finished_by === null) {
      if (await ledger.othersAtWork(runId, participant)) return undefined;
      await ledger.recordCancelledTotals(runId, await ledger.counts(runId), participant);
    }
    return ledger.run(runId);
  }
  if (!current || current.status !== "running") return current;
  if (await ledger.othersAtWork(runId, participant)) return undefined;
  let outcome: ReturnType<typeof settle>;
  if (settings.dryRun) {
    // A dry run rolls everything back: its chunks stay pending, and only its own dispatcher knows how it went.
    outcome = settle({
      name: loaded.name,
      insertsRows: insertsRows(loaded.script),
      interrupted: hooks.signal?.aborted === true,
      failure: dispatcher.failure,
      inputFailure,
      failedChunks: dispatcher.failedChunks,
      failedRows: summary.failedRows,
    });
  } else {
    const left = await ledger.workLeft(runId);
    const failure = current.stop_error ?? undefined;
    outcome = settle({
      name: loaded.name,
      insertsRows: insertsRows(loaded.script),
      // A source-kind run stopped by a signal has inputs not yet read into chunks: interrupted, not completed.
      interrupted: !failure && !inputFailure && (left.pending + left.saved > 0 || (hooks.signal?.aborted === true && isSourceScript(loaded.script) && current.kind === "apply")),
      failure,
      inputFailure,
      failedChunks: await ledger.failedChunks(runId),
      failedRows: await ledger.countOpenFailures(runId),
    });
  }
  if (outcome.status === "completed" && !settings.dryRun) {
    const damage = ledgerDamage(current, await ledger.chunkAccount(runId), true);
    if (damage) outcome = { status: "failed", message: damage };
  }
  const counts = settings.dryRun ? summary : await ledger.counts(runId);
  // A dry run's chunks rolled back: its samples reach the ledger (and the dashboard) only from here.
  const samples = settings.dryRun ? summary.samples.map(sampleChanges) : undefined;
  const finalised = await ledger.finish(runId, outcome.status, counts, outcome.status === "completed" ? undefined : outcome.message, participant, samples);
  // A completed revert marks the run it undid `reverted` (its before-images used): a second revert has nothing to do.
  if (finalised && current.kind === "revert" && outcome.status === "completed" && !settings.dryRun) await ledger.markReverted(runId);
  return ledger.run(runId);
}

/** The chunks a run that ended early wrote: its plan less what was never claimed or failed for good. */
async function chunksWritten(ledger: RunContext["ledger"], runId: number, planned: number): Promise<number> {
  const [left, failed] = await Promise.all([ledger.workLeft(runId), ledger.failedChunks(runId)]);
  return planned - left.pending - failed;
}
