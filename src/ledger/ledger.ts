import type { EntityManager } from "typeorm";
import type { PostgresOptions } from "../database/postgres-options";
import { zeroCounts, type RowCounts } from "../messages";
import {
  chunksOf,
  claimChunk,
  deleteChunks,
  insertChunks,
  markDone,
  markFailed,
  markSaved,
  setChunkTimeouts,
  settledCounts,
  type ChunkRange,
  type ChunkRow,
  type ChunkTimeouts,
} from "./chunks";
import { openLedgerConnection } from "./connection";
import { claimFailures, countOpenFailures, openFailures, recordFailures, resolveFailures, type FailureRow, type RowFailure } from "./failures";
import { tryLockScript, unlockScript } from "./lock";
import { finishRun, latestRun, latestRuns, resumeRun, setChunksTotal, startRun, type RunRow } from "./runs";
import { ensureLedger } from "./schema";
import { sqlFromManager, type Sql } from "./sql";
import { decideStart, type ChunkStatus, type RunInputs, type RunStatus, type StartDecision } from "./transitions";

/**
 * The ledger as the parent sees it, on its own connection: the script's lock,
 * its runs, their planned chunks and totals. Every statement is in this folder.
 */
export interface RunLedger {
  /** One run per script: false when another process holds the script's lock. */
  lock(script: string): Promise<boolean>;
  unlock(script: string): Promise<void>;
  /** Whether another process holds the script's lock (a `running` run nobody holds is a crashed one). */
  isLocked(script: string): Promise<boolean>;
  latest(script: string, dryRun?: boolean): Promise<RunRow | undefined>;
  latestOfEach(): Promise<Map<string, RunRow>>;
  /** Decides from the latest real run whether to skip, resume, start or refuse (transitions.ts) and acts on it. */
  startOrResume(fields: StartFields): Promise<{ decision: StartDecision; run?: RunRow }>;
  plan(runId: number, chunks: ChunkRange[]): Promise<void>;
  chunks(runId: number): Promise<ChunkRow[]>;
  setChunksTotal(runId: number, total: number): Promise<void>;
  markFailed(runId: number, chunkNo: number, error: string): Promise<void>;
  openFailures(runId: number): Promise<FailureRow[]>;
  countOpenFailures(runId: number): Promise<number>;
  /** Totals of the run's settled chunks. */
  counts(runId: number): Promise<RowCounts>;
  finish(runId: number, status: RunStatus, counts: RowCounts, error?: string): Promise<void>;
  close(): Promise<void>;
}

export interface StartFields extends RunInputs {
  script: string;
  checksum: string;
  dryRun: boolean;
  workers: number;
  force: boolean;
  restart: boolean;
}

/**
 * The ledger inside one chunk's transaction (a worker's): claim the chunk,
 * record what it wrote, all committed together with the data.
 */
export interface ChunkLedger {
  /** Locks the chunk's row until the transaction ends and returns its status; sets the transaction's timeouts first. */
  claim(runId: number, chunkNo: number, timeouts: ChunkTimeouts): Promise<ChunkStatus | undefined>;
  setTimeouts(timeouts: ChunkTimeouts): Promise<void>;
  markSaved(runId: number, chunkNo: number, counts: SavedCounts, afterSavePendingFor: unknown[] | null): Promise<void>;
  markDone(runId: number, chunkNo: number): Promise<void>;
  claimFailures(ids: number[]): Promise<number[]>;
  resolveFailures(ids: number[]): Promise<void>;
  recordFailures(runId: number, chunkNo: number, failures: RowFailure[]): Promise<void>;
}

export type SavedCounts = { rows: number; changed: number; inserted: number; conflicted: number };

/** Opens the parent's ledger connection and creates the tables on first use. */
export async function openRunLedger(options: PostgresOptions): Promise<RunLedger> {
  const connection = await openLedgerConnection(options);
  try {
    await ensureLedger(connection.sql);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return runLedger(connection.sql, () => connection.close());
}

function runLedger(sql: Sql, close: () => Promise<void>): RunLedger {
  const ledger: RunLedger = {
    lock: (script) => tryLockScript(sql, script),
    unlock: (script) => unlockScript(sql, script),
    async isLocked(script) {
      if (!(await tryLockScript(sql, script))) return true;
      await unlockScript(sql, script);
      return false;
    },
    latest: (script, dryRun = false) => latestRun(sql, script, { dryRun }),
    latestOfEach: () => latestRuns(sql),
    async startOrResume(fields) {
      const latest = fields.dryRun ? undefined : await latestRun(sql, fields.script);
      const decision = decideStart(latest, fields, fields);
      switch (decision.action) {
        case "skip":
        case "refuse":
          return { decision, run: latest };
        case "resume":
          await resumeRun(sql, decision.runId, fields.workers);
          return { decision, run: latest };
        case "start":
          if (decision.discard !== undefined) {
            await deleteChunks(sql, decision.discard);
            await finishRun(sql, decision.discard, "failed", zeroCounts(), "discarded by --restart");
          }
          return { decision, run: await startRun(sql, fields) };
      }
    },
    plan: (runId, chunks) => insertChunks(sql, runId, chunks),
    chunks: (runId) => chunksOf(sql, runId),
    setChunksTotal: (runId, total) => setChunksTotal(sql, runId, total),
    markFailed: (runId, chunkNo, error) => markFailed(sql, runId, chunkNo, error),
    openFailures: (runId) => openFailures(sql, runId),
    countOpenFailures: (runId) => countOpenFailures(sql, runId),
    counts: (runId) => settledCounts(sql, runId),
    finish: (runId, status, counts, error) => finishRun(sql, runId, status, counts, error),
    close,
  };
  return ledger;
}

/** The ledger bound to a chunk's transaction (its manager's query runner). */
export function chunkLedger(manager: EntityManager): ChunkLedger {
  const sql = sqlFromManager(manager);
  return {
    claim: (runId, chunkNo, timeouts) => claimChunk(sql, runId, chunkNo, timeouts),
    setTimeouts: (timeouts) => setChunkTimeouts(sql, timeouts),
    markSaved: (runId, chunkNo, counts, pending) => markSaved(sql, runId, chunkNo, counts, pending),
    markDone: (runId, chunkNo) => markDone(sql, runId, chunkNo),
    claimFailures: (ids) => claimFailures(sql, ids),
    resolveFailures: (ids) => resolveFailures(sql, ids),
    recordFailures: (runId, chunkNo, failures) => recordFailures(sql, runId, chunkNo, failures),
  };
}

export type { ChunkRange, ChunkRow, ChunkTimeouts, FailureRow, RowFailure, RunInputs, RunRow, StartDecision };
