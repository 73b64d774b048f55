import type { EntityManager } from "typeorm";
import { describeKey } from "../bulk/change-set";
import { chunkLedger } from "../ledger/ledger";
import type { ChunkResult, ChunkTask } from "../messages";
import { restoreImage } from "../undo/restore";
import { imageRows, type UndoImage } from "../undo/undo-image";
import type { WorkerState } from "./worker-state";
import type { ChunkWork } from "./chunk-write";

/**
 * One chunk of a revert, in the chunk's transaction: the before-images the
 * reverted run's chunk kept are written back (latest first) and the chunk is
 * marked saved with what it restored, skipped, deleted and re-inserted. Its afterSave is
 * not called: a revert undoes the rows, not what afterSave did elsewhere.
 */
export async function revertChunk(
  state: WorkerState,
  task: ChunkTask,
  revertOf: number,
  work: ChunkWork,
  manager: EntityManager,
  result: ChunkResult,
): Promise<void> {
  const ledger = chunkLedger(manager);
  const metadata = state.dataSource.getMetadata(state.script.entity);
  const skippedKeys: unknown[] = [];
  for (const image of (await ledger.undoImages(revertOf, work.chunkNo)) as UndoImage[]) {
    const restored = await restoreImage(manager, metadata, image);
    result.scanned += imageRows(image);
    result.changed += restored.restored;
    result.skipped += restored.skipped;
    result.deleted += restored.deleted;
    result.inserted += restored.reinserted;
    skippedKeys.push(...restored.skippedKeys);
    for (const sample of restored.samples) {
      if (result.samples.length < 3) result.samples.push({ key: describeKey(metadata, sample.key), before: sample.before, after: sample.after });
    }
    for (const [path, n] of Object.entries(restored.columns)) result.columns[path] = (result.columns[path] ?? 0) + n;
  }
  result.skippedKeys = skippedKeys;
  const counts = { rows: result.scanned, changed: result.changed, inserted: result.inserted, conflicted: 0, skipped: result.skipped, deleted: result.deleted, skippedKeys };
  await ledger.markSaved(task.runId, work.chunkNo, task.participant, counts, null);
}
