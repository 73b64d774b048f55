import { connectDataSource } from "../database/connect";
import { postgresOptions } from "../database/postgres-options";
import { openTarget, type Target } from "../database/target";
import { openRunLedger } from "../ledger/ledger";
import { redactSecrets } from "../database/redact";
import type { DataScript } from "../script/data-script";
import { checksumOf, listScripts, loadScript, type ScriptEntry } from "../script/load-script";
import { resolveTargetSettings, type TargetOptions, type TargetSettings } from "../settings/settings";
import { scriptsFolder, withDefaults, type RunHooks } from "./run-script";

export interface ScriptStatus {
  script: string;
  /** The script class's `static description`, or why the file could not be loaded. */
  description: string | null;
  status: "pending" | "running" | "completed" | "failed" | "interrupted";
  /** The file changed since its last run. */
  changedSinceRun: boolean;
  lastRunId: number | null;
  lastRunAt: string | null;
  rowsScanned: number;
  rowsChanged: number;
  rowsInserted: number;
  error: string | null;
  /** The latest run's validated parameters (as JSON), or null before the first run. */
  params: Record<string, unknown> | null;
  /** The latest run's --input file, as named, and its SHA-256. */
  input: { name: string; checksum: string } | null;
}

/** Each script in the folder with the state of its latest real run (what `status` and `check` print). */
export async function scriptStatuses(options: TargetOptions & Pick<RunHooks, "log"> = {}): Promise<ScriptStatus[]> {
  const { log, ...rest } = options;
  const settings = resolveTargetSettings(rest);
  const scripts = listScripts(scriptsFolder(settings), settings.scripts);
  const target = await openTarget({ ...settings, log: withDefaults({ log }).log });
  try {
    return await statusesOn(settings, scripts, target);
  } finally {
    await target.release();
  }
}

/** `describe`: load each script for its description (status does; run --pending need not). */
export async function statusesOn(settings: TargetSettings, scripts: ScriptEntry[], target: Target, describeScripts = true): Promise<ScriptStatus[]> {
  // Connecting through the DataSource runs what it asks for on start (migrations), as a run would.
  await connectDataSource(target.dataSource);
  await target.dataSource.destroy();
  const ledger = await openRunLedger(postgresOptions(target.dataSource));
  try {
    const runs = await ledger.latestOfEach();
    const statuses: ScriptStatus[] = [];
    for (const { name, file } of scripts) {
      const run = runs.get(name);
      const crashed = run?.status === "running" && !(await ledger.isLocked(name));
      statuses.push({
        script: name,
        description: describeScripts ? describe({ name, file }) : null,
        status: crashed ? "interrupted" : run?.status ?? "pending",
        changedSinceRun: run ? run.checksum !== checksumOf(file) : false,
        lastRunId: run?.id ?? null,
        lastRunAt: run ? (run.finished_at ?? run.started_at).toISOString() : null,
        rowsScanned: Number(run?.rows_scanned ?? 0),
        rowsChanged: Number(run?.rows_changed ?? 0),
        rowsInserted: Number(run?.rows_inserted ?? 0),
        error: crashed ? `its process died; resume it with: data-script ${name}` : run?.error ?? null,
        params: run?.params ?? null,
        input: run?.input_name && run.input_checksum ? { name: run.input_name, checksum: run.input_checksum } : null,
      });
    }
    return statuses;
  } finally {
    await ledger.close();
  }
}

/** The script's one-line description; a script that does not load says why instead of failing the whole listing. */
function describe(entry: ScriptEntry): string | null {
  try {
    const { script } = loadScript(entry);
    return (script.constructor as typeof DataScript).description ?? null;
  } catch (error) {
    return `(cannot load: ${redactSecrets((error as Error)?.message ?? String(error)).split("\n")[0]})`;
  }
}
