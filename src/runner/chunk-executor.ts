import type { DataSource, EntityManager, ObjectLiteral } from "typeorm";
import { loadByKeys } from "../bulk/load";
import { isSourceScript, type DataScript, type ScriptContext } from "../data-script";
import { claimChunk, markDone, markSaved, setChunkTimeouts } from "../ledger/chunks";
import { claimFailures, recordFailures, resolveFailures } from "../ledger/failures";
import { sqlFromManager } from "../ledger/sql-client";
import { inChunkTransaction } from "./chunk-transaction";
import { errorMessage, writeSourceChunk, writeTableChunk, type ChunkWrite } from "./chunk-writers";
import { classifyError } from "./errors";
import { explainDataError } from "./explain-data-error";
import { emptyChunkResult, type ChunkResult, type ChunkTask } from "./messages";

/** A worker's long-lived state: its DataSource and its script instance (set up once). */
export interface WorkerState {
  dataSource: DataSource;
  script: DataScript;
  workerId: number;
  log: (...args: unknown[]) => void;
}

class DryRunRollback extends Error {}

/**
 * One chunk = one transaction: claim its ledger row, load, mutate, ONE bulk
 * statement (events inside), mark it saved, commit. afterSave runs after commit.
 */
export async function executeChunk(state: WorkerState, task: ChunkTask): Promise<ChunkResult> {
  const started = Date.now();
  const result = emptyChunkResult(task.chunkNo, process.pid, "saved");
  const { script, dataSource } = state;
  let written: ObjectLiteral[] = [];
  try {
    if (task.afterSaveOnly) {
      const metadata = dataSource.getMetadata(script.entity);
      written = [...(await loadByKeys(dataSource.manager, metadata, task.afterSaveOnly as ObjectLiteral[])).values()];
    } else {
      const limit = task.config.chunkTimeoutMs;
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
  if (task.config.dryRun || !script.afterSave) {
    result.outcome = task.config.dryRun ? "saved" : "done";
    return result;
  }
  try {
    await script.afterSave(written, contextFor(state, task, dataSource.manager));
    if (!task.retryFailures) await markDone(sqlFromManager(dataSource.manager), task.config.runId, task.chunkNo);
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
  const { script, dataSource } = state;
  const { runId, dryRun } = task.config;
  const sql = sqlFromManager(manager);
  let retryIds: number[] = [];
  if (task.retryFailures) {
    await setChunkTimeouts(sql, task.config);
    retryIds = await claimFailures(sql, task.retryFailures.map((f) => f.id));
    task = { ...task, retryFailures: task.retryFailures.filter((f) => retryIds.includes(f.id)) };
    if (!retryIds.length) {
      result.outcome = "already";
      return [];
    }
  } else {
    const status = await claimChunk(sql, runId, task.chunkNo, task.config);
    if (status === "saved" || status === "done") {
      result.outcome = "already";
      return [];
    }
  }
  const metadata = dataSource.getMetadata(script.entity);
  const ctx = contextFor(state, task, manager);
  const write: ChunkWrite = isSourceScript(script)
    ? await writeSourceChunk(script, metadata, manager, task, ctx, result)
    : await writeTableChunk(script, metadata, manager, task, ctx, result);

  result.failedRows = write.failures.length;
  if (task.retryFailures) {
    await resolveFailures(sql, retryIds);
    await recordFailures(sql, runId, task.chunkNo, write.failures);
  } else {
    await recordFailures(sql, runId, task.chunkNo, write.failures);
    const pendingKeys = script.afterSave && !dryRun ? write.written.map((e) => metadata.getEntityIdMap(e)) : null;
    const counts = { rows: result.scanned, changed: result.changed, inserted: result.inserted, conflicted: result.conflicted };
    await markSaved(sql, runId, task.chunkNo, counts, pendingKeys);
  }
  if (dryRun) {
    result.outcome = "saved";
    throw new DryRunRollback();
  }
  return write.written;
}

function contextFor(state: WorkerState, task: ChunkTask, manager: EntityManager): ScriptContext {
  return {
    dataSource: state.dataSource,
    manager,
    dryRun: task.config.dryRun,
    workerId: state.workerId,
    params: task.config.params,
    log: state.log,
    chunk: { number: task.chunkNo, lo: task.lo, hi: task.hi },
  };
}
