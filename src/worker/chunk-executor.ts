import type { DataSource, EntityManager, ObjectLiteral } from "typeorm";
import { loadByKeys } from "../bulk/load";
import { classifyError } from "../database/classify-error";
import { chunkLedger, type ChunkTimeouts } from "../ledger/ledger";
import { emptyChunkResult, type ChunkResult, type ChunkTask, type WorkerSettings } from "../messages";
import { isSourceScript, type DataScript, type ScriptContext } from "../script/data-script";
import { inChunkTransaction } from "./chunk-transaction";
import { errorMessage, type ChunkWrite } from "./chunk-write";
import { explainDataError } from "./explain-data-error";
import { writeSourceChunk } from "./source-chunk";
import { writeTableChunk } from "./table-chunk";

/** A worker's long-lived state: its DataSource, its script instance (set up once) and the run's settings. */
export interface WorkerState {
  dataSource: DataSource;
  script: DataScript;
  workerId: number;
  log: (...args: unknown[]) => void;
  settings: WorkerSettings;
  /** ctx.params: the values the parent validated. */
  params: unknown;
  /** The chunk transaction's lock and statement timeouts, the run's or the script's own. */
  timeouts: ChunkTimeouts;
}

class DryRunRollback extends Error {}

/**
 * One chunk = one transaction: claim its ledger row, load, mutate, ONE bulk
 * statement (events inside), mark it saved, commit. afterSave runs after commit.
 */
export async function executeChunk(state: WorkerState, task: ChunkTask): Promise<ChunkResult> {
  const started = Date.now();
  const result = emptyChunkResult(task.chunkNo, process.pid, "saved");
  const { script, dataSource, settings } = state;
  let written: ObjectLiteral[] = [];
  try {
    if (task.afterSaveOnly) {
      const metadata = dataSource.getMetadata(script.entity);
      written = [...(await loadByKeys(dataSource.manager, metadata, task.afterSaveOnly as ObjectLiteral[])).values()];
    } else {
      const limit = settings.chunkTimeoutMs;
      written = await inChunkTransaction(dataSource, limit, `chunk ${task.chunkNo} did not finish within ${limit} ms`, (manager) =>
        writeChunk(state, task, manager, result),
      );
    }
  } catch (error) {
    if (!(error instanceof DryRunRollback)) {
      result.outcome = "failed";
      // A value a column rejects: name the row and the column PostgreSQL does not name.
      result.error = classifyError(explainDataError(error, dataSource.getMetadata(script.entity), task.chunkNo) ?? error);
    }
  }
  result.ms = Date.now() - started;
  if (result.outcome !== "saved") return result;
  if (settings.dryRun || !script.afterSave) {
    result.outcome = settings.dryRun ? "saved" : "done";
    return result;
  }
  try {
    await script.afterSave(written, contextFor(state, task, dataSource.manager));
    if (!task.retryFailures) await chunkLedger(dataSource.manager).markDone(task.runId, task.chunkNo);
    result.outcome = "done";
  } catch (error) {
    result.outcome = "failed";
    result.error = {
      ...classifyError(error),
      kind: "afterSave",
      retryable: false,
      message: `afterSave failed for chunk ${task.chunkNo} (its data is committed; a resumed run calls afterSave again): ${errorMessage(error)}`,
    };
  }
  return result;
}

/** Inside the chunk's transaction. Returns the rows written (for afterSave). */
async function writeChunk(state: WorkerState, task: ChunkTask, manager: EntityManager, result: ChunkResult): Promise<ObjectLiteral[]> {
  const { script, dataSource, settings } = state;
  const { runId } = task;
  const ledger = chunkLedger(manager);
  let retryIds: number[] = [];
  if (task.retryFailures) {
    await ledger.setTimeouts(state.timeouts);
    retryIds = await ledger.claimFailures(task.retryFailures.map((f) => f.id));
    task = { ...task, retryFailures: task.retryFailures.filter((f) => retryIds.includes(f.id)) };
    if (!retryIds.length) {
      result.outcome = "already";
      return [];
    }
  } else {
    const status = await ledger.claim(runId, task.chunkNo, state.timeouts);
    if (status === "saved" || status === "done") {
      result.outcome = "already";
      return [];
    }
  }
  const metadata = dataSource.getMetadata(script.entity);
  const ctx = contextFor(state, task, manager);
  const write: ChunkWrite = isSourceScript(script)
    ? await writeSourceChunk(script, metadata, manager, task, ctx, result, settings)
    : await writeTableChunk(script, metadata, manager, task, ctx, result, settings);

  result.failedRows = write.failures.length;
  if (task.retryFailures) {
    await ledger.resolveFailures(retryIds);
    await ledger.recordFailures(runId, task.chunkNo, write.failures);
  } else {
    await ledger.recordFailures(runId, task.chunkNo, write.failures);
    const pendingKeys = script.afterSave && !settings.dryRun ? write.written.map((e) => metadata.getEntityIdMap(e)) : null;
    const counts = { rows: result.scanned, changed: result.changed, inserted: result.inserted, conflicted: result.conflicted };
    await ledger.markSaved(runId, task.chunkNo, counts, pendingKeys);
  }
  if (settings.dryRun) {
    result.outcome = "saved";
    throw new DryRunRollback();
  }
  return write.written;
}

function contextFor(state: WorkerState, task: ChunkTask, manager: EntityManager): ScriptContext<unknown> {
  return {
    dataSource: state.dataSource,
    manager,
    dryRun: state.settings.dryRun,
    workerId: state.workerId,
    params: state.params,
    log: state.log,
    chunk: { number: task.chunkNo, lo: task.lo, hi: task.hi },
  };
}
