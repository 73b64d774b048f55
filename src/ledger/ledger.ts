import type { EntityManager } from "typeorm";
import type { PostgresOptions } from "../database/postgres-options";
import { zeroCounts, type RowCounts } from "../messages";
import {
  claimChunk,
  claimNextChunk,
  claimOwedAfterSave,
  holdChunk,
  markDone,
  markSaved,
  recordAttempt,
  setChunkTimeouts,
  type ChunkTimeouts,
  type KeptUndo,
  type SavedCounts,
  type ClaimedChunk,
  type NoClaim,
} from "./chunk-claims";
import {
  chunkAccount,
  chunksOf,
  deleteChunks,
  failedChunks,
  insertChunks,
  reopenFailedChunks,
  settledCounts,
  skippedKeys,
  splitChunk,
  workLeft,
  type ChunkAccount,
  type ChunkRange,
  type ChunkRow,
  type WorkLeft,
} from "./chunks";
import { openLedgerConnection } from "./connection";
import { controlsOf, controlState, recordCancelledTotals, requestControl, type ControlRow, type ControlState } from "./controls";
import { claimFailures, countOpenFailures, openFailures, recordFailures, resolveFailures, type FailureRow, type RowFailure } from "./failures";
import { tryLockScript, unlockScript } from "./lock";
import {
  evictSilent,
  heartbeat,
  isLive,
  joinRun,
  leaveRun,
  othersAtWork,
  participantsOf,
  participantState,
  runProgress,
  type ParticipantRow,
  type ParticipantState,
} from "./participants";
import {
  claimLegacyRuns,
  finishRun,
  latestRevert,
  latestRun,
  latestRuns,
  resumeRun,
  runInScope,
  setChunksTotal,
  startRun,
  stopRun,
  type RunRow,
  type RunSample,
  type UnclaimedRun,
} from "./runs";
import { markReverted, planRevert, pruneUndo, saveUndo, undoImages, undoSize } from "./undo";
import { replicationState, type ReplicationState } from "./replication";
import { ensureLedger } from "./schema";
import { explainLedgerDenied } from "./ledger-access";
import { alteredLedgerGuard } from "./altered";
import { sqlFromManager, type Sql } from "./sql";
import { ledgerDamage } from "./ledger-damage";
import { storedText } from "./stored-text";
import { decideStart, RESUMABLE, type ChunkStatus, type ControlAction, type RunInputs, type RunStatus, type StartDecision } from "./transitions";

/**
 * The ledger as a participant's parent sees it, on its own connection: the
 * script's lock, its runs and their chunks, the participants and their
 * heartbeats. Every statement is in this folder. Bound to one namespace (one app's): every
 * lookup of a script's runs, and the script's lock, is within it.
 */
export interface RunLedger {
  readonly namespace: string;
  /** Runs recorded before namespaces become this namespace's where this app's file is the one they ran; returns the others. */
  claimLegacy(scripts: { name: string; checksum: string }[]): Promise<UnclaimedRun[]>;
  /** The script's start-and-plan mutex: false when another process holds it (planning, or deciding to join). */
  tryLock(script: string): Promise<boolean>;
  unlock(script: string): Promise<void>;
  /** A live participant at work on any running run of the script. */
  someoneAtWork(script: string): Promise<boolean>;
  latest(script: string, dryRun?: boolean): Promise<RunRow | undefined>;
  latestOfEach(kind?: RunRow["kind"]): Promise<Map<string, RunRow>>;
  run(runId: number): Promise<RunRow | undefined>;
  /** Under the script's lock: decides from the latest run whether to skip, refuse, join, resume or start (transitions.ts), and acts on it. */
  startOrResume(fields: StartFields): Promise<{ decision: StartDecision; run?: RunRow }>;
  /** Becomes a participant of the run: a liveness lock held on this connection from here on. */
  participate(runId: number, identity: ParticipantIdentity): Promise<number>;
  /** With the participant's current hold, if any (null columns when none). */
  heartbeat(participant: number, progress: { chunks: number; rows: number; hold?: { reason: string; heldMs: number } }): Promise<ParticipantState | undefined>;
  /** Evicts the run's participants silent past the lease and terminates their sessions. */
  evictSilent(runId: number, me: number, leaseMs: number): Promise<{ id: number; label: string }[]>;
  leave(participant: number, state: Exclude<ParticipantState, "active" | "evicted">, error?: string): Promise<ParticipantState | undefined>;
  participants(runId: number): Promise<ParticipantRow[]>;
  participantState(participant: number): Promise<ParticipantState | undefined>;
  othersAtWork(runId: number, me: number | null): Promise<number>;
  plan(runId: number, chunks: ChunkRange[]): Promise<void>;
  chunks(runId: number): Promise<ChunkRow[]>;
  /** What the ledger holds of the run's chunks, to hold against its plan (see chunkAccount). */
  chunkAccount(runId: number): Promise<ChunkAccount>;
  setChunksTotal(runId: number, total: number): Promise<void>;
  workLeft(runId: number): Promise<WorkLeft>;
  failedChunks(runId: number): Promise<number>;
  /** The whole run's progress, as its participants reported it. */
  progress(runId: number): Promise<{ chunks: number; rows: number }>;
  /** A failed attempt at a chunk: back to pending after a back-off, or failed for good. */
  recordAttempt(runId: number, chunkNo: number, failure: { error: string; stack?: string; retryable: boolean; maxRetries: number }): Promise<{ failed: boolean; attempts: number; retryInMs: number }>;
  /** Stops the run for every participant (the first error wins). */
  stop(runId: number, error: string): Promise<void>;
  openFailures(runId: number): Promise<FailureRow[]>;
  countOpenFailures(runId: number): Promise<number>;
  /** Totals of the run's settled chunks. */
  counts(runId: number): Promise<RowCounts>;
  /** Records how the run ended; with `by`, only if it is still running (exactly one finaliser). */
  finish(runId: number, status: RunStatus, counts: RowCounts, error?: string, by?: number, samples?: RunSample[]): Promise<boolean>;
  /** A revert's chunks, from the images the reverted run kept; how many. */
  planRevert(revertRunId: number, ofRunId: number): Promise<number>;
  undoSize(runId: number): Promise<{ chunks: number; rows: number; bytes: number }>;
  /** Once a revert completed: the run it undid is `reverted`. */
  markReverted(revertRunId: number): Promise<void>;
  pruneUndo(olderThanMs: number): Promise<{ runs: number; rows: number; bytes: number }>;
  /** The keys a revert's chunks skipped (live traffic changed those rows since), up to `limit`. */
  skippedKeys(runId: number, limit: number): Promise<unknown[]>;
  /** The primary's WAL position and its standbys' replay (the health check's replication lag). */
  replication(): Promise<ReplicationState>;
  /** Splits a chunk whose statement timed out into two key ranges: the first keeps its number, the second gets the next free one. */
  splitChunk(runId: number, chunkNo: number, first: { lo: string; hi: string }, second: { lo: string; hi: string }): Promise<number>;
  /** An operator's request (pause, resume, cancel): the run moved and the request recorded, or undefined if it was no longer in `from`. */
  control(runId: number, move: { action: ControlAction; from: RunStatus[]; to: RunStatus }, request: { by: string; reason: string | null }): Promise<RunRow | undefined>;
  /** Every request made on the run, oldest first. */
  controls(runId: number): Promise<ControlRow[]>;
  /** The run's status and latest request: read by each participant to hold (paused) or stop (cancelled). */
  controlState(runId: number): Promise<ControlState | undefined>;
  /** A cancelled run's totals, once nobody works on it (`by`: the last participant out; exactly one records). */
  recordCancelledTotals(runId: number, counts: RowCounts, by: number | null): Promise<boolean>;
  /** Runs `work` under the script's lock (waiting for it): the last participant out finalises. */
  withScriptLock<T>(script: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StartFields extends RunInputs {
  script: string;
  checksum: string;
  dryRun: boolean;
  workers: number;
  force: boolean;
  restart: boolean;
  join: boolean;
  /** A revert of this run: decided from its latest revert, not from the script's latest run. */
  revertOf?: number;
  keepUndo?: boolean;
  /** The script inserts every input as a new row (source kind without upsertOn). */
  insertsRows?: boolean;
}

export interface ParticipantIdentity {
  label: string;
  appName: string;
  host: string;
  pid: number;
  workers: number;
}

/**
 * The ledger inside one chunk's transaction (a worker's): claim the chunk,
 * record what it wrote, all committed together with the data.
 */
export interface ChunkLedger {
  /** The next claimable chunk of the run (FOR UPDATE SKIP LOCKED), or why there is none; sets the transaction's timeouts. */
  claimNext(runId: number, participant: number, timeouts: ChunkTimeouts): Promise<ClaimedChunk | NoClaim>;
  /** A given chunk (handed out by the parent): its status and attempt number; sets the transaction's timeouts. */
  claim(runId: number, chunkNo: number, timeouts: ChunkTimeouts): Promise<{ status: ChunkStatus | undefined; attempt: number }>;
  setTimeouts(timeouts: ChunkTimeouts): Promise<void>;
  /** Fenced: fails (EvictedError) once the participant was evicted, so its transaction rolls back. */
  markSaved(runId: number, chunkNo: number, participant: number, counts: SavedCounts, afterSavePendingFor: unknown[] | null, undo?: KeptUndo): Promise<void>;
  markDone(runId: number, chunkNo: number): Promise<void>;
  /** A failed pulled chunk, in its own transaction: not claimable until its participant records the attempt. */
  holdChunk(runId: number, chunkNo: number, ms: number): Promise<void>;
  claimOwedAfterSave(runId: number, participant: number, mine: boolean): Promise<{ chunkNo: number; lo: string | null; hi: string | null; keys: unknown[] } | undefined>;
  workLeft(runId: number): Promise<WorkLeft>;
  claimFailures(ids: number[]): Promise<number[]>;
  resolveFailures(ids: number[]): Promise<void>;
  recordFailures(runId: number, chunkNo: number, failures: RowFailure[]): Promise<void>;
  /** Keeps a chunk's before-images, in its transaction. */
  saveUndo(runId: number, chunkNo: number, image: object, rows: number): Promise<void>;
  undoImages(runId: number, chunkNo: number): Promise<object[]>;
}


/** Opens the parent's ledger connection and creates the tables on first use. */
export async function openRunLedger(options: PostgresOptions, namespace: string): Promise<RunLedger> {
  const connection = await openLedgerConnection(options, "data-script");
  try {
    await ensureLedger(connection.sql).catch((error) => explainLedgerDenied(connection.sql, error));
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return runLedger(alteredLedgerGuard(connection.sql), { namespace }, () => connection.close());
}

function runLedger(sql: Sql, scope: { namespace: string }, close: () => Promise<void>): RunLedger {
  const { namespace } = scope;
  const someoneAtWork = async (script: string) => {
    const [row] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM data_script_participants p JOIN data_script_runs r ON r.id = p.run_id
       WHERE r.namespace = $2 AND r.script = $1 AND r.status IN ('running', 'paused', 'cancelled') AND p.state = 'active' AND ${isLive("p")}`,
      [script, namespace],
    );
    return row.n > 0;
  };
  return {
    namespace,
    claimLegacy: (scripts) => claimLegacyRuns(sql, scope, scripts),
    tryLock: (script) => tryLockScript(sql, namespace, script),
    unlock: (script) => unlockScript(sql, namespace, script),
    someoneAtWork,
    latest: (script, dryRun = false) => latestRun(sql, scope, script, { dryRun }),
    latestOfEach: (kind) => latestRuns(sql, scope, kind),
    run: (runId) => runInScope(sql, scope, runId),
    async startOrResume(fields) {
      const latest = fields.revertOf === undefined ? await latestRun(sql, scope, fields.script) : await latestRevert(sql, scope, fields.script, fields.revertOf);
      // An insert-kind script's unfinished run: the rows its saved chunks inserted (a new run would insert them again).
      const savedInserts = fields.insertsRows && latest && RESUMABLE.includes(latest.status) ? (await settledCounts(sql, latest.id)).inserted : 0;
      const decision = decideStart(latest, await someoneAtWork(fields.script), { ...fields, savedInserts }, fields);
      switch (decision.action) {
        case "skip":
        case "join":
        case "refuse":
          return { decision, run: latest };
        case "locked":
          return { decision };
        case "resume": {
          // A run whose chunk rows were deleted by hand cannot be resumed: a source-kind resume would apply them again.
          const damage = ledgerDamage(latest!, await chunkAccount(sql, decision.runId), false);
          if (damage) return { decision: { action: "refuse", runId: decision.runId, reason: damage }, run: latest };
          await resumeRun(sql, decision.runId, fields.workers);
          await reopenFailedChunks(sql, decision.runId);
          return { decision, run: await runInScope(sql, scope, decision.runId) };
        }
        case "start":
          if (decision.discard !== undefined) {
            await deleteChunks(sql, decision.discard);
            await finishRun(sql, decision.discard, "failed", zeroCounts(), storedText("discarded by --restart"));
          }
          return { decision, run: await startRun(sql, scope, fields) };
      }
    },
    participate: (runId, identity) => joinRun(sql, { runId, ...identity }),
    heartbeat: (participant, progress) =>
      heartbeat(sql, participant, progress.hold ? { ...progress, hold: { ...progress.hold, reason: storedText(progress.hold.reason) } } : progress),
    evictSilent: (runId, me, leaseMs) => evictSilent(sql, runId, me, leaseMs),
    leave: (participant, state, error) => leaveRun(sql, participant, state, storedText(error)),
    participants: (runId) => participantsOf(sql, runId),
    participantState: (participant) => participantState(sql, participant),
    othersAtWork: (runId, me) => othersAtWork(sql, runId, me),
    plan: (runId, chunks) => insertChunks(sql, runId, chunks),
    chunks: (runId) => chunksOf(sql, runId),
    chunkAccount: (runId) => chunkAccount(sql, runId),
    setChunksTotal: (runId, total) => setChunksTotal(sql, runId, total),
    workLeft: (runId) => workLeft(sql, runId),
    failedChunks: (runId) => failedChunks(sql, runId),
    progress: (runId) => runProgress(sql, runId),
    recordAttempt: (runId, chunkNo, failure) => recordAttempt(sql, runId, chunkNo, { ...failure, error: storedText(failure.error), stack: storedText(failure.stack) }),
    stop: (runId, error) => stopRun(sql, runId, storedText(error)),
    openFailures: (runId) => openFailures(sql, runId),
    countOpenFailures: (runId) => countOpenFailures(sql, runId),
    counts: (runId) => settledCounts(sql, runId),
    finish: (runId, status, counts, error, by, samples) => finishRun(sql, runId, status, counts, storedText(error), by, storedSamples(samples)),
    planRevert: (revertRunId, ofRunId) => planRevert(sql, revertRunId, ofRunId),
    replication: () => replicationState(sql),
    splitChunk: (runId, chunkNo, first, second) => splitChunk(sql, runId, chunkNo, first, second),
    undoSize: (runId) => undoSize(sql, runId),
    markReverted: (revertRunId) => markReverted(sql, revertRunId),
    pruneUndo: (olderThanMs) => pruneUndo(sql, namespace, olderThanMs),
    skippedKeys: (runId, limit) => skippedKeys(sql, runId, limit),
    control: (runId, move, request) => requestControl(sql, runId, move, { ...request, reason: storedText(request.reason) }),
    controls: (runId) => controlsOf(sql, runId),
    controlState: (runId) => controlState(sql, runId),
    recordCancelledTotals: (runId, counts, by) => recordCancelledTotals(sql, runId, counts, by),
    async withScriptLock(script, work) {
      // Polled, never waited for on the connection: a participant paused while holding it must not stall
      // this one's heartbeats (they share the connection) — they are what evicts it and frees the lock.
      while (!(await tryLockScript(sql, namespace, script))) await new Promise((r) => setTimeout(r, 100));
      try {
        return await work();
      } finally {
        await unlockScript(sql, namespace, script).catch(() => undefined);
      }
    },
    close,
  };
}

/** The ledger bound to a chunk's transaction (its manager's query runner), or to autocommit statements (a DataSource's manager). */
export function chunkLedger(manager: EntityManager): ChunkLedger {
  const sql = alteredLedgerGuard(sqlFromManager(manager));
  return {
    claimNext: (runId, participant, timeouts) => claimNextChunk(sql, runId, participant, timeouts),
    claim: (runId, chunkNo, timeouts) => claimChunk(sql, runId, chunkNo, timeouts),
    setTimeouts: (timeouts) => setChunkTimeouts(sql, timeouts),
    markSaved: (runId, chunkNo, participant, counts, pending, undo) => markSaved(sql, runId, chunkNo, participant, counts, pending, undo),
    markDone: (runId, chunkNo) => markDone(sql, runId, chunkNo),
    holdChunk: (runId, chunkNo, ms) => holdChunk(sql, runId, chunkNo, ms),
    claimOwedAfterSave: (runId, participant, mine) => claimOwedAfterSave(sql, runId, participant, mine),
    workLeft: (runId) => workLeft(sql, runId),
    claimFailures: (ids) => claimFailures(sql, ids),
    resolveFailures: (ids) => resolveFailures(sql, ids),
    recordFailures: (runId, chunkNo, failures) => recordFailures(sql, runId, chunkNo, failures.map((f) => ({ ...f, error: storedText(f.error), stack: storedText(f.stack) }))),
    saveUndo: (runId, chunkNo, image, rows) => saveUndo(sql, runId, chunkNo, image, rows),
    undoImages: (runId, chunkNo) => undoImages(sql, runId, chunkNo),
  };
}

export { EvictedError } from "./chunk-claims";
export type {
  ChunkAccount,
  ChunkRange,
  ChunkRow,
  ChunkTimeouts,
  ClaimedChunk,
  ControlRow,
  ControlState,
  FailureRow,
  NoClaim,
  ParticipantRow,
  ReplicationState,
  RowFailure,
  RunInputs,
  RunRow,
  SavedCounts,
  StartDecision,
  UnclaimedRun,
  WorkLeft,
};

/** A dry run's samples as the run keeps them: every text through storedText (credentials masked, NUL spelled out). */
function storedSamples(samples: RunSample[] | undefined): string | null {
  if (!samples?.length) return null;
  return JSON.stringify(
    samples.map((s) => ({
      key: storedText(s.key),
      changes: s.changes.map((c) => ({ column: storedText(c.column), before: storedText(c.before), after: storedText(c.after) })),
      ...(s.removed ? { removed: s.removed } : {}),
    })),
  );
}
