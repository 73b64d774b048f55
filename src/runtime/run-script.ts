import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { connectDataSource } from "../database/connect";
import { postgresOptions } from "../database/postgres-options";
import { openTarget, type Target } from "../database/target";
import { UsageError } from "../errors";
import { openRunLedger, type ParticipantIdentity, type RunLedger } from "../ledger/ledger";
import type { WorkerSettings } from "../messages";
import { isSourceScript } from "../script/data-script";
import { loadScript, resolveScript, type ScriptEntry } from "../script/load-script";
import { encodeParams } from "../script/params";
import { resolveRunSettings, type RunOptions, type RunSettings } from "../settings/settings";
import { executeRun } from "./execute-run";
import { createPool, type ChunkPool } from "./pool";
import { prepareRun, type PreparedRun } from "./prepare-run";
import { dropRunCopy } from "../inputs/stdin-spool";
import type { RunContext } from "./run-context";
import { silentProgress, type Progress } from "./progress";
import { emptySummary, type RunSummary } from "./summary";

/** How a caller follows a run: live progress, interruption, one-line notices. */
export interface RunHooks {
  /** Live progress (the CLI's bar or lines); silent by default. */
  progress?: Progress;
  /** Aborting it (SIGINT/SIGTERM in the CLI) stops handing out chunks; the run ends `interrupted`. */
  signal?: AbortSignal;
  /** One-line notices, such as the embedded server starting; stderr by default. */
  log?: (line: string) => void;
}

export interface RunScriptOptions extends RunOptions, RunHooks {
  /** The script's name: its file name in the scripts folder, without extension. */
  script: string;
}

/**
 * Runs (or resumes) one data script: the database, the pool, the lock, the
 * ledger, the plan, the chunks and the summary. The CLI is a thin client of
 * this function; it resolves to the summary whatever the outcome (a script
 * error gives status `failed`, another run holding the lock `locked`), and
 * throws only for a usage or configuration error (UsageError) or a lost
 * connection before the run started.
 */
export async function runScript(options: RunScriptOptions): Promise<RunSummary> {
  const { script, progress, signal, log, ...rest } = options;
  const settings = resolveRunSettings(rest);
  const hooks = withDefaults({ progress, signal, log });
  // An unknown name, a script that does not load, a bad parameter or --input file, what cannot be
  // joined: refused before anything starts (an embedded server, a connection, a pool).
  const loaded = await prepareRun(settings, loadScript(resolveScript(scriptsFolder(settings), script, settings.scripts)));
  refuseJoin(settings, loaded);
  let summary: RunSummary | undefined;
  try {
    const target = await openTarget({ ...settings, log: hooks.log });
    try {
      return (summary = await runOnTarget(settings, loaded, target, hooks));
    } finally {
      await target.release();
    }
  } finally {
    settleInput(settings, loaded, summary);
  }
}

/**
 * Standard input's copy: kept (and named) while its run is unfinished, so the run can be resumed
 * from it; gone once the run completes, or when no run took it. A completed run's kept copy goes
 * however the run was last given its input.
 */
function settleInput(settings: RunSettings, loaded: PreparedRun, summary: RunSummary | undefined): void {
  const input = loaded.input;
  const runId = summary?.runId;
  const unfinished = runId != null && (summary!.status === "failed" || summary!.status === "interrupted") && !settings.dryRun;
  if (input?.keepFor && unfinished) {
    const resume = `data-script ${loaded.name} --input ${input.path}`;
    summary!.message = `${summary!.message ? `${summary!.message}\n  ` : ""}standard input's copy is kept at ${input.path} (run #${runId}): resume with ${resume}, or pipe the same bytes again; it is deleted when the run completes`;
    return;
  }
  input?.dispose();
  if (input && runId != null && summary!.status === "completed" && !settings.dryRun) dropRunCopy(settings.cwd, loaded.name, runId);
}

/**
 * The scripts folder, absolute. With neither it nor the data-source file there, the command ran
 * outside the app (or before it was set up): said once, for both, with the ways to point at them.
 */
export function scriptsFolder(settings: { cwd: string; scripts: string; dataSource?: string }): string {
  const folder = resolve(settings.cwd, settings.scripts);
  if (settings.dataSource !== undefined && !existsSync(folder) && !existsSync(resolve(settings.cwd, settings.dataSource))) {
    throw new UsageError(
      `no app found in ${settings.cwd}: neither the data source ${settings.dataSource} nor the scripts folder ${settings.scripts} exists ` +
        `(run data-script from your app's folder, set "data-script": { "dataSource": "…", "scripts": "…" } in its package.json, or pass -d <file> --scripts <dir>)`,
    );
  }
  return folder;
}

export function withDefaults(hooks: RunHooks): Required<Omit<RunHooks, "signal">> & Pick<RunHooks, "signal"> {
  return { progress: hooks.progress ?? silentProgress, signal: hooks.signal, log: hooks.log ?? ((line) => console.error(line)) };
}

/** One run of a loaded script on a database already chosen (run --pending runs several on one). */
export async function runOnTarget(
  settings: RunSettings,
  loaded: PreparedRun,
  target: Target,
  hooks: RunHooks,
  revert?: RunContext["revert"],
): Promise<RunSummary> {
  const started = Date.now();
  const summary = emptySummary(loaded.name, settings.dryRun, settings.workers);
  const identity = participantIdentity(settings.workers);
  // Given --workers: forked before connecting, so the workers load their modules and connect while this
  // process connects, locks and plans. Otherwise the plan chooses how many first. No chunk reaches them
  // before this process has closed its DataSource.
  const forWorkers = workerSettings(settings, loaded, target, identity.appName);
  let pool: ChunkPool | undefined = settings.autoWorkers ? undefined : await createPool(settings.workers, forWorkers);
  const openPool = async (workers: number) => (pool ??= await createPool(workers, forWorkers));
  try {
    const { dataSource } = target;
    await connectDataSource(dataSource);
    let ledger: RunLedger;
    try {
      ledger = await openRunLedger(postgresOptions(dataSource), settings.namespace);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
    try {
      await executeRun({ settings, loaded, dataSource, openPool, ledger, summary, identity, revert, hooks: withDefaults(hooks) });
      summary.wallMs = Date.now() - started;
      return summary;
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await ledger.close().catch(() => undefined);
    }
  } finally {
    await pool?.close();
  }
}

function workerSettings(settings: RunSettings, loaded: ScriptEntry & Pick<PreparedRun, "params" | "input">, target: Target, applicationName: string): WorkerSettings {
  return {
    dataSourceFile: resolve(settings.cwd, settings.dataSource),
    applicationName,
    scriptFile: loaded.file,
    connection: target.connection,
    params: encodeParams(loaded.params.value),
    inputName: loaded.input?.name,
    dryRun: settings.dryRun,
    lockTimeoutMs: settings.lockTimeoutMs,
    statementTimeoutMs: settings.statementTimeoutMs,
    chunkTimeoutMs: settings.chunkTimeoutMs,
    continueOnError: settings.continueOnError,
    keepUndo: settings.keepUndo,
    sourceMaps: settings.verbose,
  };
}

/**
 * Who this process is in the ledger: `host:pid:token`, and the
 * application_name of every session its workers open, which an eviction
 * terminates them by (the parent's own ledger session, which writes no chunk,
 * learns of the eviction from its next heartbeat). PostgreSQL keeps 63 bytes
 * of the name: the token is short.
 */
function participantIdentity(workers: number): ParticipantIdentity {
  const token = randomBytes(5).toString("hex");
  const host = hostname();
  return { label: `${host}:${process.pid}:${token}`, appName: `data-script ${token}`, host, pid: process.pid, workers };
}

/** What cannot be joined is refused before anything starts. */
function refuseJoin(settings: RunSettings, loaded: PreparedRun): void {
  if (!settings.join) return;
  if (settings.dryRun) throw new UsageError("--join and --dry-run do not go together: a dry run is one host's, and writes nothing for others to share");
  if (isSourceScript(loaded.script)) {
    throw new UsageError(
      `${loaded.name} is a source-kind script: its inputs are read by the one process that runs it, so it cannot be joined; run it without --join (with --workers for more processes)`,
    );
  }
}
