import { statSync } from "node:fs";
import { postgresOptions } from "../database/postgres-options";
import { openRunLedger, type FailureRow, type RunRow } from "../ledger/ledger";
import type { GivenChunkTask } from "../messages";
import { UsageError } from "../errors";
import { insertsRows, isSourceScript, type ScriptContext } from "../script/data-script";
import { InputError, readRecords } from "../inputs/read-records";
import { Dispatcher } from "./dispatcher";
import { HealthGate } from "./health";
import { ControlWatch } from "./control-watch";
import { finishParticipation } from "./finish-participation";
import { claimLegacyRuns } from "./legacy-runs";
import { Participation } from "./participation";
import { planKeyRanges } from "./plan";
import { rowSelection } from "../script/row-selection";
import type { RunContext } from "./run-context";
import type { Progress } from "./progress";
import { chooseWorkers, isLocalAddress, type WorkerChoice } from "./worker-count";
import { WorkerSettingsTooLarge, type ChunkPool } from "./pool";
import type { RunSummary } from "./summary";
import { streamSource } from "./source-chunks";


/** A table-kind script's `select`: what its chunks load (for the summary), or a usage error before anything starts. */
function selectionOf(run: RunContext): string | undefined {
  const script = run.loaded.script;
  if (script.select === undefined || isSourceScript(script)) return undefined;
  try {
    return rowSelection(script, run.dataSource.getMetadata(script.entity)).reason;
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`script ${run.loaded.name}: ${error.message}`);
    throw error;
  }
}

/** How often a host that wants to join looks again while the first one plans. */
const JOIN_POLL_MS = 250;

/**
 * One participant's whole part in a run: decide how to start (under the
 * script's lock), join as a participant, plan when first, work the chunks
 * with the others, and finish — the last one out finalises the run.
 */
export async function executeRun(run: RunContext): Promise<void> {
  const { settings, loaded, ledger, summary, hooks } = run;
  if (run.revert === undefined) summary.rows = selectionOf(run);
  await claimLegacyRuns(ledger, [{ name: loaded.name, checksum: loaded.checksum }]);
  if (!(await lockOrWait(run))) return locked(run);
  let held = true;
  const release = async () => {
    if (held) await ledger.unlock(loaded.name).catch(() => undefined);
    held = false;
  };
  try {
    const { force, restart, workers, dryRun, join, keepUndo } = settings;
    const revertOf = run.revert ? await revertTarget(run) : undefined;
    if (revertOf === null) return;
    const started = await ledger.startOrResume({
      script: loaded.name,
      checksum: loaded.checksum,
      dryRun,
      workers,
      force,
      restart,
      join,
      revertOf,
      keepUndo: keepUndo && loaded.script.keepUndo !== false,
      insertsRows: run.revert === undefined && insertsRows(loaded.script),
      params: loaded.params.json,
      paramsTyped: loaded.params.typed,
      input: loaded.input && { name: loaded.input.name, checksum: loaded.input.checksum },
    });
    const { decision } = started;
    if (decision.action === "refuse") throw new UsageError(`${loaded.name} ${decision.reason}`);
    if (decision.action === "locked") return await locked(run);
    if (decision.action === "skip") {
      const message = revertOf
        ? `run #${revertOf} was already reverted (by run #${decision.runId}): nothing to do`
        : join
          ? `already completed (run #${decision.runId}): nothing to join`
          : `already completed (run #${decision.runId}); pass --force to run it again`;
      Object.assign(summary, { runId: decision.runId, status: "skipped", message });
      return;
    }
    const runRow = started.run!;
    summary.revertOf = revertOf;
    summary.runId = runRow.id;
    loaded.input?.keepFor?.(loaded.name, runRow.id);
    summary.resumed = decision.action === "resume";
    summary.joined = decision.action === "join";
    const participant = await ledger.participate(runRow.id, run.identity);
    await work(run, runRow, participant, decision.action === "start", release);
  } finally {
    await release();
  }
}

async function work(run: RunContext, runRow: RunRow, participant: number, first: boolean, release: () => Promise<void>): Promise<void> {
  const { settings, loaded, dataSource, ledger, summary, hooks } = run;
  const runId = runRow.id;
  const script = loaded.script;
  const source = isSourceScript(script);
  const parentCtx: ScriptContext<unknown> = {
    dataSource,
    manager: dataSource.manager,
    dryRun: settings.dryRun,
    workerId: 0,
    params: loaded.params.value,
    log: (...args) => console.error(`[${loaded.name}]`, ...args),
  };
  let total = runRow.chunks_total;
  const revertOf = summary.revertOf;
  if (first && revertOf !== undefined) {
    await ledger.setChunksTotal(runId, (total = await ledger.planRevert(runId, revertOf)));
  } else if (!source && first) {
    const ranges = await planKeyRanges(dataSource, script, parentCtx, settings.chunkSize);
    await ledger.plan(runId, ranges);
    await ledger.setChunksTotal(runId, (total = ranges.length));
  }
  // Planned: other hosts may join from here on.
  if (!source) await release();
  summary.chunksTotal = total;
  // The chunks themselves only where the parent hands them out (a run of 500,000 chunks is pulled, not listed).
  const chunks = (source && revertOf === undefined) || settings.dryRun ? await ledger.chunks(runId) : [];
  const choice = settings.autoWorkers ? await chooseFromPlan(run, runId, source && revertOf === undefined, first ? total : undefined) : undefined;
  summary.workers = choice?.workers ?? settings.workers;
  summary.workersReason = choice?.reason;
  // The parent holds no connection pool while the workers write (a source-kind parent reads the source through it).
  if (!source) await dataSource.destroy();
  const pool = await openChosenPool(run, summary, settings.autoWorkers);

  const runProgress = { chunks: 0, rows: 0 };
  // The current hold (a pause, or the database's health), recorded on the participant for status and the dashboard.
  let hold: { reason: string; since: number } | undefined;
  const controls = new ControlWatch(ledger, runId, loaded.name, hooks.log);
  const health = new HealthGate({
    ledger,
    maxReplicationLagMs: settings.maxReplicationLagMs,
    throttle: script.throttle && revertOf === undefined ? (ctx) => script.throttle!(ctx) : undefined,
    ctx: parentCtx,
    signal: hooks.signal,
    onHold: (reason, heldMs) => {
      if (reason) summary.lastHoldReason = reason;
      hooks.progress.hold?.(reason, heldMs);
      const changed = (hold === undefined) !== (reason === undefined);
      hold = reason === undefined ? undefined : { reason, since: hold?.since ?? Date.now() - heldMs };
      if (changed) participation.beatNow();
    },
    control: () => controls.verdict(),
    onStop: (reason) => (dispatcher.stoppedBy ??= reason),
  });
  const dispatcher = new Dispatcher(pool, summary, {
    runId,
    participant,
    ledger,
    health,
    onSplit: (chunkNo, added) => {
      hooks.progress.setTotal(summary.chunksTotal);
      hooks.log(`chunk ${chunkNo} ran past its statement timeout: cut in two (chunks ${chunkNo} and ${added}), each tried again`);
    },
    maxRetries: settings.maxRetries,
    pauseMs: settings.pauseMs,
    continueOnError: settings.continueOnError,
    signal: hooks.signal,
    onSaved: () => hooks.progress.update(Math.max(runProgress.chunks, summary.chunks), Math.max(runProgress.rows, summary.scanned)),
    onLedgerLost: (error) => participation.cut(error),
  });
  const participation = new Participation(ledger, runId, participant, run.identity.label, {
    leaseMs: settings.leaseMs,
    done: () => ({ chunks: summary.chunks, rows: summary.scanned }),
    hold: () => hold && { reason: hold.reason, heldMs: Date.now() - hold.since },
    onRunProgress: (done) => {
      Object.assign(runProgress, done);
      hooks.progress.update(Math.max(done.chunks, summary.chunks), Math.max(done.rows, summary.scanned));
    },
    log: hooks.log,
    onEnded: () => (dispatcher.evicted = true),
    reopen: () => openRunLedger(postgresOptions(dataSource), settings.namespace),
  });
  participation.start();
  let inputFailure: string | undefined;
  const jobStarted = Date.now();
  // A source-kind run has no total until its source is read to the end (by this attempt, or an earlier one).
  hooks.progress.start(loaded.name, summary.chunksTotal, summary.workers, !source || revertOf !== undefined || summary.chunksTotal > 0);
  try {
    // Rows that failed under --continue-on-error in an earlier attempt: retried first.
    if (!settings.dryRun && revertOf === undefined && (first || summary.resumed)) {
      for (const [chunkNo, failures] of groupByChunk(await ledger.openFailures(runId))) {
        if (!(await dispatcher.submit({ kind: "given", runId, participant, chunkNo, lo: null, hi: null, retryFailures: failures }))) break;
      }
    }
    if (revertOf !== undefined && settings.dryRun) {
      for (const chunk of chunks) if (!(await dispatcher.submit({ ...given(runId, participant, chunk), revertOf }))) break;
      await dispatcher.drain();
    } else if (revertOf !== undefined) {
      await dispatcher.pull("any", revertOf);
    } else if (source) {
      // An --input file's records carry their line numbers; source()'s inputs are taken as they are.
      const inputs = loaded.input ? { records: readRecords(loaded.input, script.input, inputProgress(loaded.input.path, hooks.progress)) } : { items: script.source!(parentCtx) };
      try {
        await streamSource({ ...inputs, chunkSize: settings.chunkSize ?? script.chunkSize, runId, participant, chunks, ledger, dispatcher, summary, progress: hooks.progress });
      } catch (error) {
        // A file that cannot be read on (bad quoting, bad JSON): the chunks in flight finish, and the run fails naming the line.
        if (!(error instanceof InputError)) throw error;
        inputFailure = error.message;
      }
      await dispatcher.drain();
      if (summary.chunksTotal === 0 && !inputFailure) hooks.log(emptySourceNotice(loaded.name, loaded.input?.name));
      // afterSave owed from an earlier attempt of the run (pulled: nothing else is to be claimed).
      if (!settings.dryRun) await dispatcher.pull("afterSave");
    } else if (settings.dryRun) {
      // A dry run rolls every chunk back, so it cannot pull from the ledger: it hands each chunk out once.
      for (const chunk of chunks) if (!(await dispatcher.submit(given(runId, participant, chunk)))) break;
      await dispatcher.drain();
    } else {
      await dispatcher.pull();
    }
  } finally {
    hooks.progress.stop();
  }
  summary.jobMs = Date.now() - jobStarted;
  summary.heldMs = health.heldMs;
  summary.rowsPerSecond = summary.scanned / Math.max(summary.jobMs / 1000, 0.001);
  await finishParticipation({ run, runId, participant, participation, dispatcher, inputFailure });
}

/**
 * The pool for the workers chosen. A chosen (not given) number of forked workers the system
 * cannot start with the run's settings (E2BIG: long parameters) falls back to this process:
 * the run is recorded by now, and one process is what --workers 1 would do.
 */
async function openChosenPool(run: RunContext, summary: RunSummary, chosen: boolean): Promise<ChunkPool> {
  try {
    return await run.openPool(summary.workers);
  } catch (error) {
    if (!chosen || !(error instanceof WorkerSettingsTooLarge)) throw error;
    summary.workers = 1;
    summary.workersReason = `${summary.workersReason}; but the run's settings are more than this system lets a new process take (E2BIG): one process`;
    return run.openPool(1);
  }
}

/**
 * How many workers, when --workers was not given: from the chunks this participant may work
 * (all of a new plan's; what is left of a resumed or joined run; a source's are not known)
 * and the machine's cores, fewer when the database runs on this machine too.
 */
async function chooseFromPlan(run: RunContext, runId: number, source: boolean, planned: number | undefined): Promise<WorkerChoice> {
  const [{ addr }] = await run.dataSource.query(`SELECT host(inet_server_addr()) AS addr`);
  const databaseHere = isLocalAddress(addr);
  if (source) return chooseWorkers({ databaseHere });
  let chunks = planned;
  if (chunks === undefined) {
    const left = await run.ledger.workLeft(runId);
    chunks = left.pending + left.saved;
  }
  return chooseWorkers({ chunks, databaseHere });
}

/** An --input file's bytes read, of its size, to the progress report. */
function inputProgress(path: string, progress: Progress): ((bytes: number) => void) | undefined {
  if (!progress.read) return undefined;
  const size = statSync(path).size;
  return (bytes) => progress.read!(bytes, size);
}

/** Said out loud: a source-kind run with nothing to write is recorded as completed. */
function emptySourceNotice(name: string, input: string | undefined): string {
  return input
    ? `data-script: warning: --input ${input} holds no records; with --allow-empty, ${name} is recorded as completed with no rows`
    : `data-script: warning: ${name}'s source() yielded no inputs; the run is recorded as completed with no rows`;
}

function given(runId: number, participant: number, chunk: { chunk_no: number; lo: string | null; hi: string | null }): GivenChunkTask {
  return { kind: "given", runId, participant, chunkNo: chunk.chunk_no, lo: chunk.lo, hi: chunk.hi };
}

/**
 * The run a revert undoes: the one asked for (--run N), else the script's last
 * real run. Null when there is nothing to do (the summary says why); a run
 * that kept no before-images is refused.
 */
async function revertTarget(run: RunContext): Promise<number | null> {
  const { ledger, loaded, summary } = run;
  const asked = run.revert!.run;
  const target = asked === undefined ? await ledger.latest(loaded.name) : await ledger.run(asked);
  if (!target || target.script !== loaded.name || target.kind !== "apply" || target.dry_run) {
    throw new UsageError(asked === undefined ? `${loaded.name} has no run to revert` : `run #${asked} is not a run of ${loaded.name}`);
  }
  if (target.status === "reverted") {
    Object.assign(summary, { runId: target.reverted_by, revertOf: target.id, status: "skipped", message: `run #${target.id} was already reverted (by run #${target.reverted_by}): nothing to do` });
    return null;
  }
  if (target.undo !== "kept") {
    const why = target.undo === "pruned" ? "its before-images were pruned" : "it kept no before-images (keepUndo = false, --no-undo, or a dry run)";
    throw new UsageError(`run #${target.id} of ${loaded.name} cannot be reverted: ${why}`);
  }
  return target.id;
}

/**
 * The script's lock, taken to decide how to start. Without --join, someone
 * else holding it (planning, or deciding) means the script is at work: exit 3.
 * With --join, wait: the first host is planning the run that this one joins.
 */
async function lockOrWait(run: RunContext): Promise<boolean> {
  const { ledger, loaded, settings, hooks } = run;
  while (!(await ledger.tryLock(loaded.name))) {
    if (!settings.join || hooks.signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, JOIN_POLL_MS));
  }
  return true;
}

async function locked(run: RunContext): Promise<void> {
  const { ledger, summary } = run;
  const real = await ledger.latest(summary.script, false);
  const dry = await ledger.latest(summary.script, true);
  const holder = [real, dry].filter((r) => r?.status === "running" || r?.status === "paused").sort((a, b) => b!.id - a!.id)[0];
  summary.status = "locked";
  summary.message =
    `${summary.script} is already running` +
    (holder ? ` (run #${holder.id}, started ${holder.started_at.toISOString()} on ${holder.host} pid ${holder.pid})` : "") +
    `; wait for it to finish, or pass --join to work on it as another participant (another host)`;
}

type RetryTask = NonNullable<GivenChunkTask["retryFailures"]>;

function groupByChunk(failures: FailureRow[]): Map<number, RetryTask> {
  const groups = new Map<number, RetryTask>();
  for (const f of failures) {
    const list = groups.get(f.chunk_no) ?? [];
    list.push({ id: f.id, key: f.row_key, input: f.input });
    groups.set(f.chunk_no, list);
  }
  return groups;
}
