import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { bulkInsert } from "../bulk/bulk-insert";
import { bulkUpdate } from "../bulk/bulk-update";
import { bulkUpsert } from "../bulk/bulk-upsert";
import { describeKey } from "../bulk/change-set";
import { loadByKeys } from "../bulk/load";
import { rememberLoaded } from "../bulk/snapshots";
import type { DataScript, ScriptContext } from "../data-script";
import type { RowFailure } from "../ledger/failures";
import { withRows } from "./explain-data-error";
import type { ChunkResult, ChunkSample, ChunkTask } from "./messages";

/** Chunk-level script failure: names the chunk and the row. */
export class ScriptError extends Error {
  override name = "ScriptError";
}

const SAMPLE_LIMIT = 3;

export interface ChunkWrite {
  written: ObjectLiteral[];
  failures: RowFailure[];
}

/** Table kind: load the chunk's key range (or the keys being retried), mutate in place, ONE bulkUpdate. */
export async function writeTableChunk(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  task: ChunkTask,
  ctx: ScriptContext,
  result: ChunkResult,
): Promise<ChunkWrite> {
  const rows = task.retryFailures
    ? [...(await loadByKeys(manager, metadata, task.retryFailures.map((f) => f.key as ObjectLiteral))).values()]
    : await loadRange(script, metadata, manager, task, ctx);
  result.scanned = rows.length;

  const failures: RowFailure[] = [];
  const mutated: ObjectLiteral[] = [];
  for (const row of rows) {
    rememberLoaded(metadata, row);
    let outcome: unknown;
    try {
      outcome = script.mutate(row, ctx);
      if (isThenable(outcome)) outcome = await outcome; // a synchronous mutate costs no microtask turn
    } catch (error) {
      const message = `mutate threw on ${metadata.name} row ${describeKey(metadata, row)} (chunk ${task.chunkNo}): ${errorMessage(error)}`;
      if (!task.config.continueOnError) throw new ScriptError(message, { cause: error });
      failures.push({ key: metadata.getEntityIdMap(row), error: message });
      continue;
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
  const keyRange = task.retryFailures ? undefined : { lo: task.lo, hi: task.hi };
  const update = await bulkUpdate(manager, mutated, { keyRange }).catch((error) => {
    throw withRows(error, mutated.map((row) => ({ entity: row, label: `${metadata.name} row ${describeKey(metadata, row)}` })));
  });
  result.changed = update.updated;
  result.conflicted = update.conflicts.length;
  for (const change of update.changes) {
    for (const column of change.updatedColumns) result.columns[column.propertyPath] = (result.columns[column.propertyPath] ?? 0) + 1;
    if (task.config.dryRun && result.samples.length < SAMPLE_LIMIT) result.samples.push(sampleOf(metadata, change.databaseEntity, change.entity, change.updatedColumns));
  }
  return { written: update.changes.map((c) => c.entity), failures };
}

async function loadRange(script: DataScript, metadata: EntityMetadata, manager: EntityManager, task: ChunkTask, ctx: ScriptContext) {
  const alias = "row";
  const key = metadata.primaryColumns[0];
  let qb = manager.createQueryBuilder(metadata.target as never, alias);
  if (script.where) qb = script.where(qb, ctx);
  qb = qb
    .andWhere(`${alias}.${key.propertyPath} BETWEEN :__lo AND :__hi`, { __lo: task.lo, __hi: task.hi })
    .orderBy(`${alias}.${key.propertyPath}`, "ASC");
  if (script.lock) qb = qb.setLock("pessimistic_write");
  return (await qb.getMany()) as ObjectLiteral[];
}

/** Source kind: mutate each input into a new entity, then ONE bulkInsert (or bulkUpsert with `upsertOn`). */
export async function writeSourceChunk(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  task: ChunkTask,
  ctx: ScriptContext,
  result: ChunkResult,
): Promise<ChunkWrite> {
  const inputs = task.retryFailures ? task.retryFailures.map((f) => f.input) : task.inputs ?? [];
  result.scanned = inputs.length;
  const failures: RowFailure[] = [];
  const entities: ObjectLiteral[] = [];
  const inputNumbers: number[] = [];
  for (const [i, input] of inputs.entries()) {
    let entity: unknown;
    try {
      entity = script.mutate(input, ctx);
      if (isThenable(entity)) entity = await entity;
    } catch (error) {
      const message = `mutate threw on input #${i + 1} of chunk ${task.chunkNo} (${preview(input)}): ${errorMessage(error)}`;
      if (!task.config.continueOnError) throw new ScriptError(message, { cause: error });
      failures.push({ input, error: message });
      continue;
    }
    if (entity === false || entity === undefined || entity === null) {
      result.skipped++;
      continue;
    }
    if (!(entity instanceof (metadata.target as new () => unknown))) {
      throw new ScriptError(
        `mutate must return a ${metadata.name} (e.g. ctx.manager.create(${metadata.name}, {...})) or false; ` +
          `it returned ${describe(entity)} for input #${i + 1} of chunk ${task.chunkNo}`,
      );
    }
    entities.push(entity as ObjectLiteral);
    inputNumbers.push(i + 1);
  }
  // On a data error, explain-data-error names the input (and its key) that PostgreSQL refused.
  const named = (error: unknown) =>
    withRows(error, entities.map((entity, i) => ({ entity, label: `input #${inputNumbers[i]} of chunk ${task.chunkNo}${keyHint(metadata, entity, script.upsertOn)}` })));
  if (script.upsertOn?.length) {
    const upsert = await bulkUpsert(manager, entities, { conflictColumns: script.upsertOn }).catch((error) => {
      throw named(error);
    });
    result.inserted = upsert.created;
    result.changed = upsert.updated;
    result.skipped += upsert.unchanged;
    return { written: [...upsert.createdEntities, ...upsert.updatedChanges.map((c) => c.entity)], failures };
  }
  const insert = await bulkInsert(manager, entities).catch((error) => {
    throw named(error);
  });
  result.inserted = insert.inserted;
  if (task.config.dryRun) for (const e of entities.slice(0, SAMPLE_LIMIT)) result.samples.push(sampleOf(metadata, undefined, e, metadata.columns));
  return { written: entities, failures };
}

/** A dry run's before → after example; long values are cut so a summary stays readable. */
function sampleOf(metadata: EntityMetadata, before: ObjectLiteral | undefined, after: ObjectLiteral, columns: EntityMetadata["columns"]): ChunkSample {
  const pick = (e: ObjectLiteral | undefined) =>
    Object.fromEntries(columns.map((c) => [c.propertyPath, e ? shorten(c.getEntityValue(e)) : undefined]));
  return { key: describeKey(metadata, before ?? after), before: pick(before), after: pick(after) };
}

const SAMPLE_TEXT_LIMIT = 120;

function shorten(value: unknown): unknown {
  if (typeof value === "string" && value.length > SAMPLE_TEXT_LIMIT) return `${value.slice(0, SAMPLE_TEXT_LIMIT)}… (${value.length} chars)`;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  return value;
}

/** ` (Gadget 1137)` or ` (externalId=abc)`: the key of an input's entity, when it has one before the write. */
function keyHint(metadata: EntityMetadata, entity: ObjectLiteral, upsertOn?: string[]): string {
  const columns = upsertOn?.length ? upsertOn.map((p) => metadata.findColumnWithPropertyPath(p)) : metadata.primaryColumns;
  const values = columns.map((c) => c && c.getEntityValue(entity));
  if (values.some((v) => v === undefined || v === null)) return "";
  if (!upsertOn?.length && columns.length === 1) return ` (${metadata.name} ${String(values[0])})`;
  return ` (${columns.map((c, i) => `${c!.propertyPath}=${String(values[i])}`).join(", ")})`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return !name || name === "Object" ? "a plain object" : `a ${name}`;
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}

function preview(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
