import type { DataSource, EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { bulkInsert } from "../bulk/bulk-insert";
import { bulkUpdate } from "../bulk/bulk-update";
import { bulkUpsert } from "../bulk/bulk-upsert";
import { describeKey } from "../bulk/change-set";
import { loadByKeys } from "../bulk/load";
import { rememberLoaded } from "../bulk/snapshots";
import { isSourceScript, type DataScript, type ScriptContext } from "../data-script";
import { claimChunk, markDone, markSaved } from "../ledger/chunks";
import { sqlFromManager } from "../ledger/sql-client";
import { classifyError } from "./errors";
import type { ChunkResult, ChunkSample, ChunkTask } from "./messages";
import { withTimeout } from "./timeout";

/** A worker's long-lived state: its DataSource and its script instance (set up once). */
export interface WorkerState {
  dataSource: DataSource;
  script: DataScript;
  workerId: number;
  log: (...args: unknown[]) => void;
}

const SAMPLE_LIMIT = 3;

class DryRunRollback extends Error {}

/** Chunk-level script failure: names the script, the chunk and the row. */
export class ScriptError extends Error {
  override name = "ScriptError";
}

/**
 * One chunk = one transaction: claim its ledger row, load, mutate, ONE bulk
 * statement (events inside), mark it saved, commit. afterSave runs after commit.
 */
export async function executeChunk(state: WorkerState, task: ChunkTask): Promise<ChunkResult> {
  const started = Date.now();
  const result: ChunkResult = {
    chunkNo: task.chunkNo,
    pid: process.pid,
    outcome: "saved",
    scanned: 0,
    changed: 0,
    inserted: 0,
    skipped: 0,
    conflicted: 0,
    columns: {},
    samples: [],
    ms: 0,
  };
  const { script, dataSource } = state;
  const metadata = dataSource.getMetadata(script.entity);
  let written: ObjectLiteral[] = [];
  try {
    if (task.afterSaveOnly) {
      written = [...(await loadByKeys(dataSource.manager, metadata, task.afterSaveOnly as ObjectLiteral[])).values()];
    } else {
      const work = dataSource.transaction(async (manager) => {
        const sql = sqlFromManager(manager);
        const status = await claimChunk(sql, task.config.runId, task.chunkNo);
        if (status === "saved" || status === "done") {
          result.outcome = "already";
          return;
        }
        await sql(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`, [
          `${task.config.lockTimeoutMs}ms`,
          `${task.config.statementTimeoutMs}ms`,
        ]);
        const ctx = contextFor(state, task, manager);
        written = isSourceScript(script)
          ? await writeSourceChunk(script, metadata, manager, task, ctx, result)
          : await writeTableChunk(script, metadata, manager, task, ctx, result);
        const pendingKeys = script.afterSave && !task.config.dryRun ? written.map((e) => metadata.getEntityIdMap(e)) : null;
        await markSaved(sql, task.config.runId, task.chunkNo, {
          rows: result.scanned,
          changed: result.changed,
          inserted: result.inserted,
          conflicted: result.conflicted,
        }, pendingKeys);
        if (task.config.dryRun) throw new DryRunRollback();
      });
      await withTimeout(work, task.config.chunkTimeoutMs, `chunk ${task.chunkNo} did not finish within ${task.config.chunkTimeoutMs} ms`);
    }
  } catch (error) {
    if (!(error instanceof DryRunRollback)) {
      result.outcome = "failed";
      result.error = classifyError(error);
      result.ms = Date.now() - started;
      return result;
    }
  }
  result.ms = Date.now() - started;
  if (result.outcome === "already" || task.config.dryRun || !script.afterSave) {
    if (!script.afterSave && result.outcome === "saved") result.outcome = "done";
    return result;
  }
  try {
    await script.afterSave(written, contextFor(state, task, dataSource.manager));
    await markDone(sqlFromManager(dataSource.manager), task.config.runId, task.chunkNo);
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

async function writeTableChunk(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  task: ChunkTask,
  ctx: ScriptContext,
  result: ChunkResult,
): Promise<ObjectLiteral[]> {
  const alias = "row";
  const key = metadata.primaryColumns[0];
  let qb = manager.createQueryBuilder(metadata.target as never, alias);
  if (script.where) qb = script.where(qb, ctx);
  qb = qb
    .andWhere(`${alias}.${key.propertyPath} BETWEEN :__lo AND :__hi`, { __lo: task.lo, __hi: task.hi })
    .orderBy(`${alias}.${key.propertyPath}`, "ASC");
  if (script.lock) qb = qb.setLock("pessimistic_write");
  const rows: ObjectLiteral[] = await qb.getMany();
  result.scanned = rows.length;

  const mutated: ObjectLiteral[] = [];
  for (const row of rows) {
    rememberLoaded(metadata, row);
    let outcome: unknown;
    try {
      outcome = await script.mutate(row, ctx);
    } catch (error) {
      throw new ScriptError(`mutate threw on ${metadata.name} row ${describeKey(metadata, row)} (chunk ${task.chunkNo}): ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (outcome === false) {
      result.skipped++;
      continue;
    }
    if (outcome !== undefined && outcome !== true && outcome !== row) {
      throw new ScriptError(
        `mutate must change the ${metadata.name} it is given in place and return nothing (or false to skip); ` +
          `it returned ${describe(outcome)} for row ${describeKey(metadata, row)} (chunk ${task.chunkNo})`,
      );
    }
    mutated.push(row);
  }
  const update = await bulkUpdate(manager, mutated, { keyRange: { lo: task.lo, hi: task.hi } });
  result.changed = update.updated;
  result.conflicted = update.conflicts.length;
  for (const change of update.changes) {
    for (const column of change.updatedColumns) result.columns[column.propertyPath] = (result.columns[column.propertyPath] ?? 0) + 1;
    if (result.samples.length < SAMPLE_LIMIT) result.samples.push(sampleOf(metadata, change.databaseEntity, change.entity, change.updatedColumns));
  }
  return update.changes.map((c) => c.entity);
}

async function writeSourceChunk(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  task: ChunkTask,
  ctx: ScriptContext,
  result: ChunkResult,
): Promise<ObjectLiteral[]> {
  const entities: ObjectLiteral[] = [];
  const inputs = task.inputs ?? [];
  result.scanned = inputs.length;
  for (const [i, input] of inputs.entries()) {
    let entity: unknown;
    try {
      entity = await script.mutate(input, ctx);
    } catch (error) {
      throw new ScriptError(`mutate threw on input #${i + 1} of chunk ${task.chunkNo}: ${errorMessage(error)}`, { cause: error });
    }
    if (entity === false || entity === undefined || entity === null) {
      result.skipped++;
      continue;
    }
    if (!(entity instanceof (metadata.target as new () => unknown))) {
      throw new ScriptError(
        `mutate must return a ${metadata.name} (e.g. manager.create(${metadata.name}, {...})) or false; ` +
          `it returned ${describe(entity)} for input #${i + 1} of chunk ${task.chunkNo}`,
      );
    }
    entities.push(entity as ObjectLiteral);
  }
  if (script.upsertOn?.length) {
    const upsert = await bulkUpsert(manager, entities, { conflictColumns: script.upsertOn });
    result.inserted = upsert.created;
    result.changed = upsert.updated;
    result.skipped += upsert.unchanged;
    return [...upsert.createdEntities, ...upsert.updatedChanges.map((c) => c.entity)];
  }
  const insert = await bulkInsert(manager, entities);
  result.inserted = insert.inserted;
  for (const e of entities.slice(0, SAMPLE_LIMIT)) result.samples.push(sampleOf(metadata, undefined, e, metadata.columns));
  return entities;
}

function sampleOf(metadata: EntityMetadata, before: ObjectLiteral | undefined, after: ObjectLiteral, columns: EntityMetadata["columns"]): ChunkSample {
  const pick = (e: ObjectLiteral | undefined) =>
    Object.fromEntries(columns.map((c) => [c.propertyPath, e ? c.getEntityValue(e) : undefined]));
  return { key: describeKey(metadata, before ?? after), before: pick(before), after: pick(after) };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `a ${(value as object).constructor?.name ?? "object"}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
