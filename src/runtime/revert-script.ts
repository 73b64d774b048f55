import { openTarget } from "../database/target";
import { UsageError } from "../errors";
import { loadScript, resolveScript } from "../script/load-script";
import { resolveRunSettings, type RunOptions } from "../settings/settings";
import { runOnTarget, scriptsFolder, withDefaults, type RunHooks } from "./run-script";
import type { RunSummary } from "./summary";

export interface RevertOptions extends Omit<RunOptions, "force" | "chunkSize" | "continueOnError" | "noUndo">, RunHooks {
  /** The script whose run to undo. */
  script: string;
  /** The run to undo; by default the script's last one. */
  run?: number | string;
}

/**
 * `data-script revert <script>`: undoes a run from the before-images its
 * chunks kept, itself a run in the ledger (locked, resumable, exactly once,
 * several hosts may --join it). Rows the run updated get their written columns
 * back, through the bulk writer (beforeUpdate/afterUpdate fire), unless live
 * traffic changed those columns since (skipped, and their keys reported); rows
 * it inserted are deleted (beforeRemove/afterRemove fire). The run it undid is
 * then `reverted`, and `run --pending` leaves the script alone until its file
 * changes. Resolves to the revert's summary.
 */
export async function revertScript(options: RevertOptions): Promise<RunSummary> {
  const { script, run, progress, signal, log, ...rest } = options;
  const settings = resolveRunSettings(rest);
  const hooks = withDefaults({ progress, signal, log });
  const runId = run === undefined ? undefined : Number(run);
  if (runId !== undefined && (!Number.isSafeInteger(runId) || runId < 1)) throw new UsageError(`--run must be a run number, got "${String(run)}"`);
  // A revert calls none of the script's hooks (setup, mutate, afterSave): it takes no parameters.
  const loaded = { ...loadScript(resolveScript(scriptsFolder(settings), script, settings.scripts)), params: { value: {}, json: {}, typed: false } };
  const target = await openTarget({ ...settings, log: hooks.log });
  try {
    return await runOnTarget(settings, loaded, target, hooks, { run: runId });
  } finally {
    await target.release();
  }
}
