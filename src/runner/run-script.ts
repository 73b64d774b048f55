import type { DataSource } from "typeorm";
import { isSourceScript, type ScriptContext } from "../data-script";
import { chunksOf, deleteChunks, insertChunks, markFailed, type ChunkRow } from "../ledger/chunks";
import { countOpenFailures, openFailures, type FailureRow } from "../ledger/failures";
import { tryLockScript, unlockScript } from "../ledger/lock";
import { finishRun, latestRun, resumeRun, setChunksTotal, startRun, type RunRow } from "../ledger/runs";
import { ensureLedger } from "../ledger/schema";
import type { Sql } from "../ledger/sql-client";
import { RESUMABLE } from "../ledger/status";
import { connectDataSource } from "./connect";
import { Dispatcher } from "./dispatcher";
import { openLedgerConnection } from "./ledger-connection";
import { loadDataSource } from "./load-data-source";
import { loadScript, resolveScript, type LoadedScript } from "./load-script";
import type { WorkerConfig } from "./messages";
import { planKeyRanges } from "./plan";
import { createInProcessPool, createProcessPool, type ChunkPool } from "./pool";
import { silentProgress, type Progress } from "./progress";
import { emptySummary, zeroCounts, type RunSummary } from "./summary";

export interface RunOptions {
  script: string;
  scriptsDir: string;
  dataSourceFile: string;
  workers: number;
  chunkSize?: number;
  dryRun?: boolean;
  force?: boolean;
  restart?: boolean;
  continueOnError?: boolean;
  params?: Record<string, string>;
  pauseMs?: number;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  chunkTimeoutMs?: number;
  maxRetries?: number;
  progress?: Progress;
  /** Set by SIGINT/SIGTERM: stop handing out chunks. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export class ScriptLockedError extends Error {
  override name = "ScriptLockedError";
}

export const DEFAULTS = {
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 60_000,
  chunkTimeoutMs: 300_000,
  maxRetries: 3,
};

/**
 * Runs (or resumes) one data script: lock, ledger, plan, pool, summary.
 * The CLI is a thin client of this function.
 */
export async function runScript(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const dryRun = options.dryRun ?? false;
  const summary = emptySummary(options.script, dryRun, options.workers);
  const scriptFile = resolveScript(options.scriptsDir, options.script);
  // Forked first, once the script is known to exist: the workers load their modules and connect
  // while this process loads the script and the data source, connects and plans. No chunk
  // reaches them before this process has closed its own DataSource.
  const pool = options.workers > 1 ? await createProcessPool(options.workers, { ...process.env }) : await createInProcessPool();
  pool.warmUp(options.dataSourceFile);
  try {
    const loaded = loadScript(scriptFile);
    summary.script = loaded.name;
    if (options.chunkSize) loaded.script.chunkSize = options.chunkSize;
    const dataSource = loadDataSource(options.dataSourceFile);
    return await connectAndRun(options, loaded, dataSource, pool, summary, started);
  } finally {
    await pool.close();
  }
}

async function connectAndRun(
  options: RunOptions,
  loaded: LoadedScript,
  dataSource: DataSource,
  pool: ChunkPool,
  summary: RunSummary,
  started: number,
): Promise<RunSummary> {
  await connectDataSource(dataSource);
  const ledger = await openLedgerConnection(dataSource).catch(async (error) => {
    await dataSource.destroy();
    throw error;
  });
  const sql = ledger.sql;
  try {
    await ensureLedger(sql);
    if (!(await tryLockScript(sql, loaded.name))) {
      const holder = await latestRun(sql, loaded.name, { dryRun: false });
      const dryHolder = await latestRun(sql, loaded.name, { dryRun: true });
      const run = [holder, dryHolder].filter((r) => r?.status === "running").sort((a, b) => b!.id - a!.id)[0];
      throw new ScriptLockedError(
        `${loaded.name} is already running` +
          (run ? ` (run #${run.id}, started ${run.started_at.toISOString()} on ${run.host} pid ${run.pid})` : "") +
          `; wait for it to finish`,
      );
    }
    try {
      await runLocked(options, loaded, dataSource, pool, sql, summary);
      summary.wallMs = Date.now() - started;
      return summary;
    } finally {
      await unlockScript(sql, loaded.name).catch(() => undefined);
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await ledger.close().catch(() => undefined);
  }
}

async function runLocked(
  options: RunOptions,
  loaded: LoadedScript,
  dataSource: DataSource,
  pool: ChunkPool,
  sql: Sql,
  summary: RunSummary,
): Promise<void> {
  const dryRun = summary.dryRun;
  const latest = dryRun ? undefined : await latestRun(sql, loaded.name);
  if (latest?.status === "completed" && !options.force) {
    Object.assign(summary, { runId: latest.id, status: "skipped", message: `already completed (run #${latest.id}); pass --force to run it again` });
    return;
  }
  let run: RunRow;
  const resumable = latest && RESUMABLE.includes(latest.status) && !options.force;
  if (resumable && !options.restart) {
    run = latest;
    await resumeRun(sql, run.id, options.workers);
    summary.resumed = true;
  } else {
    if (latest && RESUMABLE.includes(latest.status)) {
      await deleteChunks(sql, latest.id);
      await finishRun(sql, latest.id, "failed", zeroCounts(), `discarded by --restart`);
    }
    run = await startRun(sql, { script: loaded.name, checksum: loaded.checksum, dryRun, workers: options.workers });
  }
  summary.runId = run.id;

  const script = loaded.script;
  const source = isSourceScript(script);
  const parentCtx: ScriptContext = {
    dataSource,
    manager: dataSource.manager,
    dryRun,
    workerId: 0,
    params: options.params ?? {},
    log: (...args) => console.error(`[${loaded.name}]`, ...args),
  };
  const config: WorkerConfig = {
    dataSourceFile: options.dataSourceFile,
    scriptFile: loaded.file,
    params: options.params ?? {},
    dryRun,
    runId: run.id,
    lockTimeoutMs: options.lockTimeoutMs ?? script.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs ?? script.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
    chunkTimeoutMs: options.chunkTimeoutMs ?? DEFAULTS.chunkTimeoutMs,
    continueOnError: options.continueOnError ?? false,
  };
  let ledgerChunks: ChunkRow[] = await chunksOf(sql, run.id);
  if (!source && !summary.resumed) {
    await insertChunks(sql, run.id, await planKeyRanges(dataSource, script, parentCtx));
    ledgerChunks = await chunksOf(sql, run.id);
  }
  if (!source) {
    summary.chunksTotal = ledgerChunks.length;
    await setChunksTotal(sql, run.id, ledgerChunks.length);
    // The parent holds no connection pool while the workers write.
    await dataSource.destroy();
  }

  const progress = options.progress ?? silentProgress;
  const dispatcher = new Dispatcher(pool, summary, progress, {
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    pauseMs: options.pauseMs ?? 0,
    continueOnError: options.continueOnError ?? false,
    signal: options.signal,
    onFailure: (chunkNo, message) => (dryRun ? Promise.resolve() : markFailed(sql, run.id, chunkNo, message)),
  });
  const jobStarted = Date.now();
  progress.start(loaded.name, summary.chunksTotal, options.workers);
  try {
    // Chunks saved earlier whose afterSave never completed: call it again, rows reloaded.
    for (const chunk of ledgerChunks.filter((c) => c.status === "saved" && !dryRun)) {
      await dispatcher.submit({ config, chunkNo: chunk.chunk_no, lo: chunk.lo, hi: chunk.hi, afterSaveOnly: chunk.written_keys ?? [] });
    }
    // Rows that failed under --continue-on-error in an earlier attempt: retried first.
    if (!dryRun) {
      for (const [chunkNo, failures] of groupByChunk(await openFailures(sql, run.id))) {
        if (!(await dispatcher.submit({ config, chunkNo, lo: null, hi: null, retryFailures: failures }))) break;
      }
    }
    const open = new Set(ledgerChunks.filter((c) => c.status === "pending" || c.status === "failed").map((c) => c.chunk_no));
    if (source) {
      await streamSource(script, parentCtx, config, sql, run.id, ledgerChunks, dispatcher, summary, progress);
    } else {
      for (const chunk of ledgerChunks) {
        if (!open.has(chunk.chunk_no)) continue;
        if (!(await dispatcher.submit({ config, chunkNo: chunk.chunk_no, lo: chunk.lo, hi: chunk.hi }))) break;
      }
    }
    await dispatcher.drain();
  } finally {
    progress.stop();
  }
  summary.jobMs = Date.now() - jobStarted;
  summary.rowsPerSecond = summary.scanned / Math.max(summary.jobMs / 1000, 0.001);

  const failure = dispatcher.failure;
  const failedRows = dryRun ? summary.failedRows : await countOpenFailures(sql, run.id);
  const status =
    options.signal?.aborted ? "interrupted" : failure || dispatcher.failedChunks > 0 || failedRows > 0 ? "failed" : "completed";
  summary.status = status;
  if (status === "interrupted") {
    summary.message = `interrupted: in-flight chunks finished or rolled back; resume with: data-script ${loaded.name}`;
  } else if (failure) {
    summary.message = `${failure}\n  fix the script and run it again: saved chunks are kept, the run resumes where it stopped`;
  } else if (dispatcher.failedChunks > 0 || failedRows > 0) {
    summary.message =
      `${failedRows} row(s) and ${dispatcher.failedChunks} chunk(s) failed (--continue-on-error; see data_script_failures); ` +
      `fix the script and run it again to retry them`;
  }
  const counts = dryRun ? summary : await ledgerCounts(sql, run.id);
  await finishRun(sql, run.id, status, counts, status === "completed" ? undefined : summary.message);
}

async function streamSource(
  script: LoadedScript["script"],
  ctx: ScriptContext,
  config: WorkerConfig,
  sql: Sql,
  runId: number,
  ledgerChunks: ChunkRow[],
  dispatcher: Dispatcher,
  summary: RunSummary,
  progress: Progress,
): Promise<void> {
  // Resuming a source-kind run re-reads the source and skips chunks already saved: the source must yield the same inputs in the same order.
  const settled = new Set(ledgerChunks.filter((c) => c.status === "saved" || c.status === "done").map((c) => c.chunk_no));
  let chunkNo = 0;
  let batch: unknown[] = [];
  const flush = async () => {
    chunkNo++;
    const inputs = batch;
    batch = [];
    summary.chunksTotal = chunkNo;
    progress.setTotal(chunkNo);
    if (settled.has(chunkNo)) return true;
    await insertChunks(sql, runId, [{ chunkNo, lo: null, hi: null }]);
    return dispatcher.submit({ config, chunkNo, lo: null, hi: null, inputs: toJson(inputs) });
  };
  for await (const input of script.source!(ctx)) {
    batch.push(input);
    if (batch.length >= script.chunkSize && !(await flush())) return;
  }
  if (batch.length) await flush();
  await setChunksTotal(sql, runId, chunkNo);
}

// Inputs cross a process boundary: they must survive JSON.
function toJson(inputs: unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(inputs));
}

function groupByChunk(failures: FailureRow[]): Map<number, { id: number; key: unknown; input: unknown }[]> {
  const groups = new Map<number, { id: number; key: unknown; input: unknown }[]>();
  for (const f of failures) {
    const list = groups.get(f.chunk_no) ?? [];
    list.push({ id: f.id, key: f.row_key, input: f.input });
    groups.set(f.chunk_no, list);
  }
  return groups;
}

async function ledgerCounts(sql: Sql, runId: number) {
  const [row] = await sql<{ scanned: string; changed: string; inserted: string; conflicted: string }>(
    `SELECT coalesce(sum(rows), 0) AS scanned, coalesce(sum(changed), 0) AS changed,
            coalesce(sum(inserted), 0) AS inserted, coalesce(sum(conflicted), 0) AS conflicted
     FROM data_script_chunks WHERE run_id = $1 AND status IN ('saved', 'done')`,
    [runId],
  );
  return { scanned: Number(row.scanned), changed: Number(row.changed), inserted: Number(row.inserted), skipped: 0, conflicted: Number(row.conflicted) };
}

