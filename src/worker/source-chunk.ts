import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { stackOf } from "../database/error-stack";
import { bulkInsert } from "../bulk/bulk-insert";
import { bulkUpsert } from "../bulk/bulk-upsert";
import type { RowFailure } from "../ledger/ledger";
import type { ChunkResult, WorkerSettings } from "../messages";
import { convertColumns } from "../inputs/column-types";
import { lineLabel } from "../inputs/input-options";
import { isThenable, type DataScript, type ScriptContext } from "../script/data-script";
import { describe, errorMessage, preview, sampleOf, SAMPLE_LIMIT, ScriptError, type ChunkWork, type ChunkWrite } from "./chunk-write";
import { LazyRowRef, withRows, type ChunkRowRef } from "./explain-data-error";
import { writeSettingAsideRefused, type PartialWrites } from "./refused-rows";

/** Source kind: mutate each input into a new entity, then ONE bulkInsert (or bulkUpsert with `upsertOn`). */
export async function writeSourceChunk(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  task: ChunkWork,
  ctx: ScriptContext<unknown>,
  result: ChunkResult,
  settings: WorkerSettings,
): Promise<ChunkWrite> {
  const inputs = task.retryFailures ? task.retryFailures.map((f) => f.input) : task.inputs ?? [];
  // An --input file's line numbers: with the inputs, or (a retried failure) recorded as its key.
  const lines = task.retryFailures ? task.retryFailures.map((f) => (f.key as { line?: number } | null)?.line) : task.lines;
  const fileLine = (i: number) => (settings.inputName && lines?.[i] ? lines[i] : undefined);
  const label = (i: number) => (fileLine(i) ? lineLabel(settings.inputName!, fileLine(i)!) : `input #${i + 1} of chunk ${task.chunkNo}`);
  result.scanned = inputs.length;
  const failures: RowFailure[] = [];
  const entities: ObjectLiteral[] = [];
  const inputNumbers: number[] = [];
  // Declared once for the chunk, not as one closure per input.
  const fail = (i: number, message: string, error?: unknown, retryable = false) => {
    if (!settings.continueOnError) throw new ScriptError(message, { cause: error, retryable });
    failures.push({ input: inputs[i], key: fileLine(i) ? { line: fileLine(i) } : undefined, error: message, stack: stackOf(error) });
  };
  for (let i = 0; i < inputs.length; i++) {
    const raw = inputs[i];
    let input = raw;
    if (fileLine(i)) {
      try {
        input = convertColumns(raw, script.input?.columns);
      } catch (error) {
        // `feed.csv line 31,337: column credit: "12x" is not an integer`
        fail(i, `${label(i)}: ${errorMessage(error)}`, error);
        continue;
      }
    }
    let entity: unknown;
    try {
      entity = script.mutate(input, ctx);
      if (isThenable(entity)) entity = await entity;
    } catch (error) {
      const where = fileLine(i) ? `chunk ${task.chunkNo}, ${preview(raw)}` : preview(raw);
      // The script's own code threw: the chunk is tried again (a bad cell above is not: no retry mends it).
      fail(i, `mutate threw on ${label(i)} (${where}): ${errorMessage(error)}`, error, true);
      continue;
    }
    if (entity === false || entity === undefined || entity === null) {
      result.skipped++;
      continue;
    }
    if (!(entity instanceof (metadata.target as new () => unknown))) {
      throw new ScriptError(
        `mutate must return a ${metadata.name} (e.g. ctx.manager.create(${metadata.name}, {...})) or false; ` +
          `it returned ${describe(entity)} for ${label(i)}`,
      );
    }
    entities.push(entity as ObjectLiteral);
    inputNumbers.push(i);
  }
  // On a data error, explain-data-error names the input (and its key) that PostgreSQL refused.
  // The label is read only when a row is refused: built then, not for every row of every chunk.
  const labelOf = (k: number) => `${label(inputNumbers[k])}${keyHint(metadata, entities[k], script.upsertOn)}`;
  const refs = entities.map((entity, k) => new LazyRowRef(entity, k, labelOf));
  const named = (rows: ChunkRowRef[]) => (error: unknown) => {
    throw withRows(error, rows);
  };
  // --continue-on-error: a row the database refuses is recorded, and the chunk's other rows are written.
  const refusing = async <R>(writes: PartialWrites<R>): Promise<{ result: R; kept: ObjectLiteral[] }> => {
    if (!settings.continueOnError) return { result: await writes.write(refs), kept: entities };
    const { result, refused } = await writeSettingAsideRefused(manager, metadata, task.chunkNo, refs, writes);
    for (const r of refused) {
      const i = inputNumbers[r.index];
      failures.push({ input: inputs[i], key: fileLine(i) ? { line: fileLine(i) } : undefined, error: r.message });
    }
    const out = new Set(refused.map((r) => r.index));
    return { result, kept: entities.filter((_, i) => !out.has(i)) };
  };
  if (script.upsertOn?.length) {
    const conflictColumns = script.upsertOn;
    const { result: upsert } = await refusing({
      write: (rows) => bulkUpsert(manager, rows.map((r) => r.entity), { conflictColumns }).catch(named(rows)),
      combine: (a, b) => ({
        created: a.created + b.created,
        updated: a.updated + b.updated,
        unchanged: a.unchanged + b.unchanged,
        createdEntities: [...a.createdEntities, ...b.createdEntities],
        updatedChanges: [...a.updatedChanges, ...b.updatedChanges],
      }),
      empty: { created: 0, updated: 0, unchanged: 0, createdEntities: [], updatedChanges: [] },
    });
    result.inserted = upsert.created;
    result.changed = upsert.updated;
    result.skipped += upsert.unchanged;
    return {
      written: [...upsert.createdEntities, ...upsert.updatedChanges.map((c) => c.entity)],
      failures,
      undo: { updated: upsert.updatedChanges, inserted: upsert.createdEntities },
    };
  }
  const { result: insert, kept } = await refusing({
    write: (rows) => bulkInsert(manager, rows.map((r) => r.entity)).catch(named(rows)),
    combine: (a, b) => ({ inserted: a.inserted + b.inserted }),
    empty: { inserted: 0 },
  });
  result.inserted = insert.inserted;
  if (settings.dryRun) for (const e of kept.slice(0, SAMPLE_LIMIT)) result.samples.push(sampleOf(metadata, undefined, e, metadata.columns));
  return { written: kept, failures, undo: { inserted: kept } };
}

/** ` (Gadget 1137)` or ` (externalId=abc)`: the key of an input's entity, when it has one before the write. */
function keyHint(metadata: EntityMetadata, entity: ObjectLiteral, upsertOn?: string[]): string {
  const columns = upsertOn?.length ? upsertOn.map((p) => metadata.findColumnWithPropertyPath(p)) : metadata.primaryColumns;
  const values = columns.map((c) => c && c.getEntityValue(entity));
  if (values.some((v) => v === undefined || v === null)) return "";
  if (!upsertOn?.length && columns.length === 1) return ` (${metadata.name} ${String(values[0])})`;
  return ` (${columns.map((c, i) => `${c!.propertyPath}=${String(values[i])}`).join(", ")})`;
}
