import { connectDataSource } from "../database/connect";
import { postgresOptions } from "../database/postgres-options";
import { openTarget } from "../database/target";
import { openRunLedger } from "../ledger/ledger";
import { duration, resolveTargetSettings, type TargetOptions } from "../settings/settings";
import { withDefaults, type RunHooks } from "./run-script";

export interface PruneOptions extends TargetOptions, Pick<RunHooks, "log"> {
  /** Before-images of runs that finished longer ago than this are deleted: "30d", "12h", or ms. */
  olderThan: string | number;
}

/**
 * `data-script prune --older-than 30d`: deletes the before-images of runs that
 * finished before then (those runs can no longer be reverted). Resolves to
 * what it deleted.
 */
export async function pruneUndo(options: PruneOptions): Promise<{ runs: number; rows: number; bytes: number }> {
  const { olderThan, log, ...rest } = options;
  const olderThanMs = duration(olderThan, "olderThan", 0);
  const settings = resolveTargetSettings(rest);
  const target = await openTarget({ ...settings, log: withDefaults({ log }).log });
  try {
    await connectDataSource(target.dataSource);
    await target.dataSource.destroy();
    const ledger = await openRunLedger(postgresOptions(target.dataSource), settings.namespace);
    try {
      return await ledger.pruneUndo(olderThanMs);
    } finally {
      await ledger.close();
    }
  } finally {
    await target.release();
  }
}
