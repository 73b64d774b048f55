import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { deleteLoaded } from "../bulk/bulk-delete";
import { softRemoveLoaded } from "../bulk/bulk-soft-remove";
import { describeKey, type RowChange } from "../bulk/change-set";
import type { KeyBounds } from "../bulk/key-range";
import type { ChunkResult } from "../messages";
import type { DataScript } from "../script/data-script";
import { SAMPLE_LIMIT } from "./chunk-write";
import { withRows } from "./explain-data-error";

/** What removing a chunk's rows leaves for its before-image: soft-removals (updates of the delete date) and whole deleted rows. */
export interface Removal {
  softRemoved: RowChange<ObjectLiteral>[];
  deleted: ObjectLiteral[];
}

/**
 * The rows `mutate` returned REMOVE for, in ONE statement: soft-removed when the entity has a
 * @DeleteDateColumn (unless the script says hardDelete), else deleted. `states`: each row as loaded.
 */
export async function removeRows(
  script: DataScript,
  metadata: EntityMetadata,
  manager: EntityManager,
  rows: ObjectLiteral[],
  states: ObjectLiteral[],
  keyRange: KeyBounds | undefined,
  result: ChunkResult,
  dryRun: boolean,
): Promise<Removal> {
  if (!rows.length) return { softRemoved: [], deleted: [] };
  const label = (row: ObjectLiteral) => `${metadata.name} row ${describeKey(metadata, row)}`;
  const explain = (error: unknown) => {
    throw withRows(error, states.map((state) => ({ entity: state, label: label(state) })));
  };
  const deleteDate = metadata.deleteDateColumn;
  const soft = deleteDate !== undefined && !script.hardDelete;
  const removal: Removal = { softRemoved: [], deleted: [] };
  if (soft) {
    const done = await softRemoveLoaded(manager, rows, states, { keyRange }).catch(explain);
    const written = new Set([deleteDate]);
    removal.softRemoved = done.rows.map((r) => ({ entity: r.entity, databaseEntity: r.databaseEntity, updatedColumns: [deleteDate], updatedRelations: [], writeColumns: written }));
    result.removed = done.softRemoved;
  } else {
    const done = await deleteLoaded(manager, rows, states, { keyRange }).catch(explain);
    removal.deleted = done.rows.map((r) => r.databaseEntity);
    result.removed = done.deleted;
  }
  if (dryRun) {
    // Samples of their own: a chunk's changed rows may have taken the before → after ones.
    const removed = (soft ? removal.softRemoved.map((c) => c.databaseEntity) : removal.deleted).slice(0, SAMPLE_LIMIT);
    for (const row of removed) {
      result.samples.push({ key: describeKey(metadata, row), before: {}, after: {}, removed: soft ? "soft-removed" : "deleted" });
    }
  }
  return removal;
}
