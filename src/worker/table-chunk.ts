import type { EntityManager, EntityMetadata, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { stackOf } from "../database/error-stack";
import { applyWhere } from "../script/apply-where";
import { updateLoaded } from "../bulk/bulk-update";
import { describeKey } from "../bulk/change-set";
import { snapshotterFor } from "../bulk/compiled/snapshotter";
import { elementType, KeyRange, keyRangeSql } from "../bulk/key-range";
import { loadByKeys } from "../bulk/load";
import { getEntities } from "../bulk/load-entities";
import type { RowFailure } from "../ledger/ledger";
import type { ChunkResult, WorkerSettings } from "../messages";
import { isThenable, REMOVE, type DataScript, type ScriptContext } from "../script/data-script";
import { describe, errorMessage, sampleOf, SAMPLE_LIMIT, ScriptError, type ChunkWork, type ChunkWrite } from "./chunk-write";
import { rowSelection, type RowSelection } from "../script/row-selection";
import { LazyRowRef, withRows } from "./explain-data-error";
import { outsideSelectGuard, type OutsideSelect } from "./outside-select";
import { removeRows } from "./remove-rows";
import { writeSettingAsideRefused } from "./refused-rows";

/**
 * Table kind: load the chunk's key range (or the keys being retried), mutate in place, ONE
 * bulkUpdate; the rows mutate returned REMOVE for go in one more statement (a DELETE, or the
 * soft-removal's UPDATE), in the same transaction.
 */
export async function writeTableChunk(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  task: ChunkWork,
  ctx: ScriptContext<unknown>,
  result: ChunkResult,
  settings: WorkerSettings,
): Promise<ChunkWrite> {
  const { selection, outside } = selectionOf(script, metadata);
  // A retried row is loaded whole; the guard below holds it to `select` all the same.
  const rows = task.retryFailures
    ? [...(await loadByKeys(manager, metadata, task.retryFailures.map((f) => f.key as ObjectLiteral))).values()]
    : await loadRange(script, metadata, manager, task, ctx, selection);
  result.scanned = rows.length;

  const failures: RowFailure[] = [];
  const mutated: ObjectLiteral[] = [];
  const loaded: ObjectLiteral[] = [];
  let removing: ObjectLiteral[] = [];
  let removingStates: ObjectLiteral[] = [];
  const snapshot = snapshotterFor(metadata);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const state = snapshot(row);
    let outcome: unknown;
    try {
      outcome = script.mutate(row, ctx);
      if (isThenable(outcome)) outcome = await outcome; // a synchronous mutate costs no microtask turn
    } catch (error) {
      const message = `mutate threw on ${metadata.name} row ${describeKey(metadata, row)} (chunk ${task.chunkNo}): ${errorMessage(error)}`;
      if (!settings.continueOnError) throw new ScriptError(message, { cause: error, retryable: true });
      failures.push({ key: metadata.getEntityIdMap(row), error: message, stack: stackOf(error) });
      continue;
    }
    if (outcome === false) {
      result.skipped++;
      continue;
    }
    if (outcome === REMOVE) {
      removing.push(row);
      removingStates.push(state);
      continue;
    }
    if (outcome !== undefined && outcome !== true && outcome !== row) {
      throw new ScriptError(
        `mutate must change the ${metadata.name} it is given in place and return nothing (or false to skip, or REMOVE to remove it); ` +
          `it returned ${describe(outcome)} for row ${describeKey(metadata, row)} (chunk ${task.chunkNo})`,
      );
    }
    const property = outside?.(row, state);
    if (property !== undefined) {
      throw new ScriptError(
        `mutate set ${metadata.name}.${property} on row ${describeKey(metadata, row)} (chunk ${task.chunkNo}), which the script's select does not load ` +
          `(${selection.partial ? selection.columns.filter((c) => !c.isVirtual).map((c) => c.propertyPath).join(", ") : ""}): add "${property}" to select; nothing was written`,
      );
    }
    mutated.push(row);
    loaded.push(state);
  }
  if (selection.partial && removing.length) {
    // A removed row's before-image is the whole row (revert re-inserts it): load the removed ones whole.
    removing = [...(await loadByKeys(manager, metadata, removing)).values()];
    removingStates = removing.map(snapshot);
  }
  const keyRange = task.retryFailures ? undefined : chunkKeyRange(metadata, task);
  const labelOf = (i: number) => `${metadata.name} row ${describeKey(metadata, mutated[i])}`;
  const refs = mutated.map((row, i) => new LazyRowRef(row, i, labelOf));
  const write = (rows: LazyRowRef[]) =>
    updateLoaded(manager, rows.map((r) => r.entity), rows.map((r) => loaded[r.index]), { keyRange }).catch((error) => {
      throw withRows(error, rows);
    });
  let update: Awaited<ReturnType<typeof write>>;
  if (settings.continueOnError) {
    // A row the database refuses is recorded (its key: a resumed run retries it) and the chunk's other rows are written.
    const set = await writeSettingAsideRefused(manager, metadata, task.chunkNo, refs, {
      write: (rows) => write(rows as LazyRowRef[]),
      combine: (a, b) => ({ updated: a.updated + b.updated, conflicts: [...a.conflicts, ...b.conflicts], changes: [...a.changes, ...b.changes] }),
      empty: { updated: 0, conflicts: [], changes: [] },
    });
    update = set.result;
    for (const r of set.refused) failures.push({ key: metadata.getEntityIdMap(mutated[r.index]), error: r.message });
  } else {
    update = await write(refs);
  }
  result.changed = update.updated;
  result.conflicted = update.conflicts.length;
  for (let i = 0; i < update.changes.length; i++) {
    const change = update.changes[i];
    for (let k = 0; k < change.updatedColumns.length; k++) {
      const path = change.updatedColumns[k].propertyPath;
      result.columns[path] = (result.columns[path] ?? 0) + 1;
    }
    if (settings.dryRun && result.samples.length < SAMPLE_LIMIT) result.samples.push(sampleOf(metadata, change.databaseEntity, change.entity, change.updatedColumns));
  }
  const removal = await removeRows(script, metadata, manager, removing, removingStates, keyRange, result, settings.dryRun);
  return {
    written: update.changes.map((c) => c.entity),
    failures,
    undo: { updated: removal.softRemoved.length ? [...update.changes, ...removal.softRemoved] : update.changes, removed: removal.deleted },
  };
}

/**
 * The run's row selection and its write guard: the same for every chunk of the script, decided once
 * per script and entity metadata (a DataSource initialised again builds new metadata: decided again).
 */
const selections = new WeakMap<EntityMetadata, WeakMap<DataScript, { selection: RowSelection; outside: OutsideSelect | undefined }>>();

function selectionOf(script: DataScript, metadata: EntityMetadata) {
  let byScript = selections.get(metadata);
  if (!byScript) selections.set(metadata, (byScript = new WeakMap()));
  let known = byScript.get(script);
  if (!known) {
    const selection = rowSelection(script, metadata);
    byScript.set(script, (known = { selection, outside: outsideSelectGuard(metadata, selection) }));
  }
  return known;
}

async function loadRange(script: DataScript, metadata: EntityMetadata, manager: EntityManager, task: ChunkWork, ctx: ScriptContext<unknown>, selection: RowSelection) {
  const alias = "row";
  let qb = manager.createQueryBuilder(metadata.target as never, alias);
  if (selection.partial) qb = qb.select(selection.columns.map((c) => `${alias}.${c.propertyPath}`));
  qb = applyWhere(script, qb, ctx);
  let range: unknown[];
  if (metadata.primaryColumns.length === 1) {
    const key = metadata.primaryColumns[0];
    range = [task.lo, task.hi];
    qb = qb.andWhere(`${alias}.${key.propertyPath} BETWEEN :__lo AND :__hi`, { __lo: task.lo, __hi: task.hi }).orderBy(`${alias}.${key.propertyPath}`, "ASC");
  } else {
    const bounded = compositeRangeWhere(metadata, manager.connection.driver.escape(alias), chunkKeyRange(metadata, task));
    range = bounded.values;
    qb = qb.andWhere(bounded.where, bounded.parameters);
    metadata.primaryColumns.forEach((key, i) => (i ? qb.addOrderBy(`${alias}.${key.propertyPath}`, "ASC") : qb.orderBy(`${alias}.${key.propertyPath}`, "ASC")));
  }
  if (script.lock) qb = qb.setLock("pessimistic_write");
  // A script's `where` may build a different query for each chunk; without one, only the range differs.
  const variant = `${script.lock ? "lock" : ""}:${selection.partial ? selection.reason : ""}`;
  return (await getEntities(qb, script.where ? undefined : (built) => rangeQuery(metadata, variant, built, range))) as ObjectLiteral[];
}

/** The chunk's key range from its ledger bounds (a table-kind chunk always has both). */
function chunkKeyRange(metadata: EntityMetadata, task: ChunkWork): KeyRange {
  return KeyRange.fromLedger(metadata, { lo: task.lo!, hi: task.hi! });
}

/** A composite key's range as a query-builder condition: named parameters, in keyRangeSql's order. */
function compositeRangeWhere(metadata: EntityMetadata, alias: string, range: KeyRange) {
  const keys = range.keys;
  const values = range.values();
  const parameters: Record<string, unknown> = {};
  values.forEach((value, i) => (parameters[`__key${i}`] = value));
  const where = keyRangeSql(
    keys.map((k) => `${alias}.${k.name}`),
    keys.map(elementType),
    (i, type) => `CAST(:__key${i} AS ${type})`,
  );
  return { where, parameters, values };
}

/** The range load's SQL per entity, lock mode and selection: TypeORM builds the same text for every chunk (~0.7 ms each). */
const rangeSql = new WeakMap<EntityMetadata, Map<string, string>>();

function rangeQuery(metadata: EntityMetadata, variant: string, qb: SelectQueryBuilder<ObjectLiteral>, range: unknown[]): [string, unknown[]] {
  let byVariant = rangeSql.get(metadata);
  if (!byVariant) rangeSql.set(metadata, (byVariant = new Map()));
  const sql = byVariant.get(variant);
  if (sql !== undefined) return [sql, range];
  const [built, parameters] = qb.getQueryAndParameters();
  // Kept only when the range is all it takes: its values, in order.
  if (parameters.length === range.length && range.every((value, i) => parameters[i] === value)) byVariant.set(variant, built);
  return [built, parameters];
}
