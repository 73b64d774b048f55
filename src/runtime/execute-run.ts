import type { DataSource } from "typeorm";
import type { FailureRow, RunLedger } from "../ledger/ledger";
import type { ChunkTask } from "../messages";
import { isSourceScript, type ScriptContext } from "../script/data-script";
import { UsageError } from "../errors";
import { InputError, readRecords } from "../inputs/read-records";
import type { RunSettings } from "../settings/settings";
import { Dispatcher } from "./dispatcher";
import { settle } from "./outcome";
import { planKeyRanges } from "./plan";
import type { ChunkPool } from "./pool";
import type { PreparedRun } from "./prepare-run";
import type { Progress } from "./progress";
import { streamSource } from "./source-chunks";
import type { RunSummary } from "./summary";

export interface RunContext {
  settings: RunSettings;
  loaded: PreparedRun;
  dataSource: DataSource;
  pool: ChunkPool;
  ledger: RunLedger;
  summary: RunSummary;
  hooks: { progress: Progress; signal?: AbortSignal };
}

/**
 * Under the script's lock: start or resume the run, plan its chunks, hand
 * them to the pool, and record how it ended.
 */
export async function executeRun(run: RunContext): Promise<void> {
  const { settings, loaded, dataSource, ledger, summary, hooks } = run;
  const { dryRun } = settings;
  const { force, restart, workers } = settings;
  const input = loaded.input && { name: loaded.input.name, checksum: loaded.input.checksum };
  const started = await ledger.startOrResume({
    script: loaded.name,
    checksum: loaded.checksum,
    dryRun,
    workers,
    force,
    restart,
    params: loaded.params.json,
    paramsTyped: loaded.params.typed,
    input,
  });
  if (started.decision.action === "refuse") throw new UsageError(`${loaded.name} ${started.decision.reason}`);
  if (started.decision.action === "skip") {
    const id = started.decision.runId;
    Object.assign(summary, { runId: id, status: "skipped", message: `already completed (run #${id}); pass --force to run it again` });
    return;
  }
  const runId = started.run!.id;
  summary.resumed = started.decision.action === "resume";
  summary.runId = runId;

  const script = loaded.script;
  const source = isSourceScript(script);
  const parentCtx: ScriptContext<unknown> = {
    dataSource,
    manager: dataSource.manager,
    dryRun,
    workerId: 0,
    params: loaded.params.value,
    log: (...args) => console.error(`[${loaded.name}]`, ...args),
  };
  let chunks = await ledger.chunks(runId);
  if (!source && !summary.resumed) {
    await ledger.plan(runId, await planKeyRanges(dataSource, script, parentCtx, settings.chunkSize));
    chunks = await ledger.chunks(runId);
  }
  if (!source) {
    summary.chunksTotal = chunks.length;
    await ledger.setChunksTotal(runId, chunks.length);
    // The parent holds no connection pool while the workers write.
    await dataSource.destroy();
  }

  const dispatcher = new Dispatcher(run.pool, summary, hooks.progress, {
    maxRetries: settings.maxRetries,
    pauseMs: settings.pauseMs,
    continueOnError: settings.continueOnError,
    signal: hooks.signal,
    onFailure: (chunkNo, message) => (dryRun ? Promise.resolve() : ledger.markFailed(runId, chunkNo, message)),
  });
  let inputFailure: string | undefined;
  const jobStarted = Date.now();
  hooks.progress.start(loaded.name, summary.chunksTotal, settings.workers);
  try {
    // Chunks saved earlier whose afterSave never completed: call it again, rows reloaded.
    for (const chunk of chunks.filter((c) => c.status === "saved" && !dryRun)) {
      await dispatcher.submit({ runId, chunkNo: chunk.chunk_no, lo: chunk.lo, hi: chunk.hi, afterSaveOnly: chunk.written_keys ?? [] });
    }
    // Rows that failed under --continue-on-error in an earlier attempt: retried first.
    if (!dryRun) {
      for (const [chunkNo, failures] of groupByChunk(await ledger.openFailures(runId))) {
        if (!(await dispatcher.submit({ runId, chunkNo, lo: null, hi: null, retryFailures: failures }))) break;
      }
    }
    if (source) {
      // An --input file's records carry their line numbers; source()'s inputs are taken as they are.
      const inputs = loaded.input ? { records: readRecords(loaded.input, script.input) } : { items: script.source!(parentCtx) };
      try {
        await streamSource({ ...inputs, chunkSize: settings.chunkSize ?? script.chunkSize, runId, chunks, ledger, dispatcher, summary, progress: hooks.progress });
      } catch (error) {
        // A file that cannot be read on (bad quoting, bad JSON): the chunks in flight finish, and the run fails naming the line.
        if (!(error instanceof InputError)) throw error;
        inputFailure = error.message;
      }
    } else {
      const open = new Set(chunks.filter((c) => c.status === "pending" || c.status === "failed").map((c) => c.chunk_no));
      for (const chunk of chunks) {
        if (!open.has(chunk.chunk_no)) continue;
        if (!(await dispatcher.submit({ runId, chunkNo: chunk.chunk_no, lo: chunk.lo, hi: chunk.hi }))) break;
      }
    }
    await dispatcher.drain();
  } finally {
    hooks.progress.stop();
  }
  summary.jobMs = Date.now() - jobStarted;
  summary.rowsPerSecond = summary.scanned / Math.max(summary.jobMs / 1000, 0.001);

  const failedRows = dryRun ? summary.failedRows : await ledger.countOpenFailures(runId);
  const { status, message } = settle({
    name: loaded.name,
    interrupted: hooks.signal?.aborted === true,
    failure: dispatcher.failure,
    inputFailure,
    failedChunks: dispatcher.failedChunks,
    failedRows,
  });
  summary.status = status;
  if (message) summary.message = message;
  const counts = dryRun ? summary : await ledger.counts(runId);
  await ledger.finish(runId, status, counts, status === "completed" ? undefined : message);
}

type RetryTask = NonNullable<ChunkTask["retryFailures"]>;

function groupByChunk(failures: FailureRow[]): Map<number, RetryTask> {
  const groups = new Map<number, RetryTask>();
  for (const f of failures) {
    const list = groups.get(f.chunk_no) ?? [];
    list.push({ id: f.id, key: f.row_key, input: f.input });
    groups.set(f.chunk_no, list);
  }
  return groups;
}
