import type { EntityManager, ObjectLiteral } from "typeorm";
import { idMapFor } from "../bulk/compiled/id-map";
import { loadByKeys } from "../bulk/load";
import { classifyError } from "../database/classify-error";
import { chunkLedger, EvictedError, type NoClaim } from "../ledger/ledger";
import { emptyChunkResult, type ChunkResult, type ChunkTask, type GivenChunkTask, type NextTask } from "../messages";
import { isSourceScript, type ScriptContext } from "../script/data-script";
import { undoImage } from "../undo/undo-image";
import { inChunkTransaction } from "./chunk-transaction";
import { errorMessage, type ChunkWork, type ChunkWrite } from "./chunk-write";
import { explainDataError } from "./explain-data-error";
import { isStatementTimeout, splitRange } from "./split-range";
import { writeSourceChunk } from "./source-chunk";
import { revertChunk } from "./revert-chunk";
import { writeTableChunk } from "./table-chunk";
import type { WorkerState } from "./worker-state";


class DryRunRollback extends Error {}

/** Nothing to write: the claim found no chunk; the transaction it opened rolls back. */
class NothingClaimed extends Error {
  constructor(readonly why: NoClaim) {
    super("nothing claimed");
  }
}

/** One task: an owed afterSave, the next claimable chunk (pull), or a chunk the parent handed out (push). */
export async function executeTask(state: WorkerState, task: ChunkTask): Promise<ChunkResult> {
  if (task.kind === "given") return executeChunk(state, task, { ...task, attempt: 0 });
  // Only a script with an afterSave leaves chunks `saved` (a revert never does): no round trip otherwise.
  const owes = state.script.afterSave !== undefined && task.revertOf === undefined;
  const owed = owes ? await chunkLedger(state.dataSource.manager).claimOwedAfterSave(task.runId, task.participant, task.includeMine) : undefined;
  if (owed) return afterSaveAgain(state, task, owed);
  if (task.what === "afterSave") return idle(state, task);
  return executeChunk(state, task, undefined);
}

/**
 * One chunk = one transaction: claim its ledger row, load, mutate, ONE bulk
 * statement (events inside), mark it saved, commit. afterSave runs after
 * commit. `work` is the chunk the parent gave; undefined: claim the next one.
 */
async function executeChunk(state: WorkerState, task: ChunkTask, given: ChunkWork | undefined): Promise<ChunkResult> {
  const started = Date.now();
  const result = emptyChunkResult(given?.chunkNo ?? 0, process.pid, "saved");
  const { script, dataSource, settings } = state;
  let written: ObjectLiteral[] = [];
  let work = given;
  try {
    const limit = settings.chunkTimeoutMs;
    const outcome = await inChunkTransaction(dataSource, limit, () => `chunk ${work?.chunkNo ?? "?"} did not finish within ${limit} ms`, async (manager) => {
      const claimed = (work = await claim(state, task, given, manager, result));
      const attempt = async () => {
        // A revert calls none of the script's hooks: it writes back what the run's chunks kept.
        if (task.revertOf === undefined) await state.ready();
        return writeChunk(state, task, claimed, manager, result);
      };
      return given ? attempt() : holdOnFailure(manager, task.runId, claimed.chunkNo, attempt);
    });
    if (outcome instanceof HeldFailure) throw outcome.error;
    written = outcome;
  } catch (error) {
    if (error instanceof NothingClaimed) return nothingClaimed(state, task, error.why);
    if (!(error instanceof DryRunRollback)) {
      result.outcome = error instanceof EvictedError ? "evicted" : "failed";
      // A value a column rejects: name the row and the column PostgreSQL does not name.
      result.error = classifyError(explainDataError(error, dataSource.getMetadata(script.entity), result.chunkNo) ?? error);
      // A key range whose statement timed out is cut in two, rather than failing the run.
      if (isStatementTimeout(error) && work?.lo != null && work.hi != null && task.kind === "next" && task.revertOf === undefined) {
        result.split = await splitRange(dataSource.manager, dataSource.getMetadata(script.entity), { lo: work.lo, hi: work.hi }).catch(() => undefined);
      }
    }
  }
  result.ms = Date.now() - started;
  if (result.outcome !== "saved" || !work) return result;
  if (settings.dryRun || !script.afterSave || task.revertOf !== undefined) {
    result.outcome = settings.dryRun ? "saved" : "done";
    return result;
  }
  return afterSave(state, task, work, written, result);
}

/** How long a failed pulled chunk stays held if its participant never records the attempt (it died just then). */
const HOLD_MS = 15_000;

/** A pulled chunk's failed attempt, its hold committed (see holdOnFailure): the error goes on to the parent. */
class HeldFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Runs a pulled chunk's attempt after a savepoint. When it fails, its work
 * rolls back to the savepoint while the claim stays, the chunk is held (see
 * holdChunk) and the transaction commits that: no other worker can take the
 * chunk between this rollback and the parent recording the attempt.
 */
async function holdOnFailure(manager: EntityManager, runId: number, chunkNo: number, attempt: () => Promise<ObjectLiteral[]>): Promise<ObjectLiteral[] | HeldFailure> {
  await manager.query("SAVEPOINT data_script_attempt");
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof EvictedError || error instanceof DryRunRollback) throw error;
    try {
      await manager.query("ROLLBACK TO SAVEPOINT data_script_attempt");
      await chunkLedger(manager).holdChunk(runId, chunkNo, HOLD_MS);
    } catch {
      throw error; // the session is gone: the server rolled the claim back with the work
    }
    return new HeldFailure(error);
  }
}

/** Claims the chunk in its transaction: the given one, or the next claimable one. */
async function claim(state: WorkerState, task: ChunkTask, given: ChunkWork | undefined, manager: EntityManager, result: ChunkResult): Promise<ChunkWork> {
  const ledger = chunkLedger(manager);
  if (!given) {
    const claimed = await ledger.claimNext(task.runId, task.participant, state.timeouts);
    if (!("chunkNo" in claimed)) throw new NothingClaimed(claimed);
    result.chunkNo = claimed.chunkNo;
    result.attempt = claimed.attempt;
    return claimed;
  }
  if (given.retryFailures) {
    await ledger.setTimeouts(state.timeouts);
    const retryIds = await ledger.claimFailures(given.retryFailures.map((f) => f.id));
    if (!retryIds.length) throw new NothingClaimed({ reason: "none" });
    return { ...given, retryFailures: given.retryFailures.filter((f) => retryIds.includes(f.id)), attempt: 1 };
  }
  const { status, attempt } = await ledger.claim(task.runId, given.chunkNo, state.timeouts);
  result.attempt = attempt;
  if (status === "saved" || status === "done") throw new NothingClaimed({ reason: "none" });
  return { ...given, attempt };
}

/** Inside the chunk's transaction. Returns the rows written (for afterSave). */
async function writeChunk(state: WorkerState, task: ChunkTask, work: ChunkWork, manager: EntityManager, result: ChunkResult): Promise<ObjectLiteral[]> {
  const { script, dataSource, settings } = state;
  const { runId } = task;
  const ledger = chunkLedger(manager);
  const metadata = dataSource.getMetadata(script.entity);
  if (task.revertOf !== undefined) {
    await revertChunk(state, task, task.revertOf, work, manager, result);
    return rollBackIfDry(state, []);
  }
  const ctx = contextFor(state, work, manager);
  const write: ChunkWrite = isSourceScript(script)
    ? await writeSourceChunk(script, metadata, manager, work, ctx, result, settings)
    : await writeTableChunk(script, metadata, manager, work, ctx, result, settings);
  const kept = state.keepUndo && !settings.dryRun && write.undo ? undoImage(metadata, write.undo) : undefined;

  result.failedRows = write.failures.length;
  if (work.retryFailures) {
    if (kept) await ledger.saveUndo(runId, work.chunkNo, kept.image, kept.rows);
    await ledger.resolveFailures(work.retryFailures.map((f) => f.id));
    await ledger.recordFailures(runId, work.chunkNo, write.failures);
  } else {
    await ledger.recordFailures(runId, work.chunkNo, write.failures);
    const idMap = idMapFor(metadata);
    const pendingKeys = script.afterSave && !settings.dryRun ? write.written.map((e) => idMap(e)) : null;
    const counts = { rows: result.scanned, changed: result.changed, inserted: result.inserted, conflicted: result.conflicted, removed: result.removed };
    // The before-image goes in with the mark: one statement, one round trip.
    await ledger.markSaved(runId, work.chunkNo, task.participant, counts, pendingKeys, kept);
  }
  return rollBackIfDry(state, write.written);
}

/** A dry run's chunk did everything a real one does, ledger marks included: now it rolls back. */
function rollBackIfDry(state: WorkerState, written: ObjectLiteral[]): ObjectLiteral[] {
  if (state.settings.dryRun) throw new DryRunRollback();
  return written;
}

async function afterSave(state: WorkerState, task: ChunkTask, work: ChunkWork, written: ObjectLiteral[], result: ChunkResult): Promise<ChunkResult> {
  const { script, dataSource } = state;
  try {
    await script.afterSave!(written, contextFor(state, work, dataSource.manager));
    if (!work.retryFailures) await chunkLedger(dataSource.manager).markDone(task.runId, work.chunkNo);
    result.outcome = "done";
  } catch (error) {
    result.outcome = "failed";
    result.error = {
      ...classifyError(error),
      kind: "afterSave",
      retryable: false,
      message: `afterSave failed for chunk ${work.chunkNo} (its data is committed; a resumed run calls afterSave again): ${errorMessage(error)}`,
    };
  }
  return result;
}

/** A chunk saved earlier whose afterSave is owed by a participant that is gone: call it again, rows reloaded. */
async function afterSaveAgain(state: WorkerState, task: NextTask, owed: { chunkNo: number; lo: string | null; hi: string | null; keys: unknown[] }): Promise<ChunkResult> {
  const started = Date.now();
  const result = emptyChunkResult(owed.chunkNo, process.pid, "saved");
  const { dataSource, script } = state;
  const work: ChunkWork = { chunkNo: owed.chunkNo, lo: owed.lo, hi: owed.hi, attempt: 1 };
  try {
    await state.ready();
    const metadata = dataSource.getMetadata(script.entity);
    const written = [...(await loadByKeys(dataSource.manager, metadata, owed.keys as ObjectLiteral[])).values()];
    return await afterSave(state, task, work, written, result);
  } catch (error) {
    return { ...result, outcome: "failed", error: classifyError(error) };
  } finally {
    result.ms = Date.now() - started;
  }
}

function nothingClaimed(state: WorkerState, task: ChunkTask, why: NoClaim): Promise<ChunkResult> | ChunkResult {
  if (why.reason === "evicted") return emptyChunkResult(0, process.pid, "evicted");
  if (why.reason === "stopped") {
    return { ...emptyChunkResult(0, process.pid, "stopped"), runStatus: why.runStatus, error: why.error ? { message: why.error, kind: "script", retryable: false } : undefined };
  }
  return task.kind === "given" ? emptyChunkResult((task as GivenChunkTask).chunkNo, process.pid, "already") : idle(state, task);
}

/** Nothing to take now: what is left, so the parent knows whether to wait, and how long. */
async function idle(state: WorkerState, task: ChunkTask): Promise<ChunkResult> {
  const left = await chunkLedger(state.dataSource.manager).workLeft(task.runId);
  return { ...emptyChunkResult(0, process.pid, "idle"), left: { pending: left.pending, saved: left.saved, retryInMs: left.retryInMs } };
}

function contextFor(state: WorkerState, work: ChunkWork, manager: EntityManager): ScriptContext<unknown> {
  return {
    dataSource: state.dataSource,
    manager,
    dryRun: state.settings.dryRun,
    workerId: state.workerId,
    params: state.params,
    log: state.log,
    chunk: { number: work.chunkNo, lo: work.lo, hi: work.hi, attempt: work.attempt },
  };
}
