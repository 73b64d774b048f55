import { openTarget } from "../database/target";
import { UsageError } from "../errors";
import { listScripts, loadScript } from "../script/load-script";
import { resolveRunSettings, type RunOptions } from "../settings/settings";
import { prepareRun } from "./prepare-run";
import { runOnTarget, scriptsFolder, withDefaults, type RunHooks } from "./run-script";
import { settled, statusesOn } from "./script-statuses";
import { succeeded, type RunSummary } from "./summary";

export interface RunPendingOptions extends RunOptions, RunHooks {
  /** Called with each run's summary as soon as that run ends (the CLI prints it). */
  onSummary?: (summary: RunSummary) => void;
}

/**
 * `run --pending`: every script not yet completed, in name order, on one
 * database (an embedded server is started once for all of them). Stops at
 * the first run that does not succeed; resolves to the summaries of the runs
 * it made, none when every script had completed.
 */
export async function runPending(options: RunPendingOptions = {}): Promise<RunSummary[]> {
  const { progress, signal, log, onSummary, ...rest } = options;
  const settings = resolveRunSettings(rest);
  const hooks = withDefaults({ progress, signal, log });
  if (settings.input) throw new UsageError("--input is one script's file: run that script by name (data-script <script> --input <file>)");
  const scripts = listScripts(scriptsFolder(settings), settings.scripts);
  const target = await openTarget({ ...settings, log: hooks.log });
  try {
    const statuses = await statusesOn(settings, scripts, target, false);
    for (const s of statuses.filter((x) => x.status === "reverted")) {
      hooks.log(`${s.script}: left alone — run #${s.lastRunId} was reverted and the file is unchanged since; change it (a fixed version) or run it by name to apply it again`);
    }
    const todo = scripts.filter((entry) => !settled(statuses.find((s) => s.script === entry.name) ?? { status: "pending" }));
    const summaries: RunSummary[] = [];
    for (const entry of todo) {
      // Every script gets the same parameters: a key one does not declare may be another's.
      const summary = await runOnTarget(settings, await prepareRun(settings, loadScript(entry), true), target, hooks);
      summaries.push(summary);
      onSummary?.(summary);
      if (!succeeded(summary)) break;
    }
    return summaries;
  } finally {
    await target.release();
  }
}
