/** Typed messages between the parent (runner) and the workers (src/worker). */
import { zeroCounts } from "./summary";

export interface WorkerConfig {
  dataSourceFile: string;
  scriptFile: string;
  params: Record<string, string>;
  dryRun: boolean;
  runId: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  chunkTimeoutMs: number;
  /** Record rows whose mutate throws, skip them, and carry on. */
  continueOnError: boolean;
}

export interface ChunkTask {
  config: WorkerConfig;
  chunkNo: number;
  /** Table kind: the inclusive key range (as text). */
  lo: string | null;
  hi: string | null;
  /** Source kind: this chunk's inputs. */
  inputs?: unknown[];
  /** Only call afterSave again for rows written earlier (keys from the ledger). */
  afterSaveOnly?: unknown[];
  /** Retry rows (table kind: keys) or inputs (source kind) recorded as failed by an earlier attempt. */
  retryFailures?: { id: number; key: unknown; input: unknown }[];
}

export interface ChunkSample {
  key: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export interface ChunkResult {
  chunkNo: number;
  pid: number;
  /** `already` — another process had saved it (a resumed run racing an orphan). */
  outcome: "saved" | "done" | "already" | "failed";
  scanned: number;
  changed: number;
  inserted: number;
  skipped: number;
  conflicted: number;
  /** Changed rows per column (dry runs report it). */
  columns: Record<string, number>;
  samples: ChunkSample[];
  error?: ChunkError;
  /** Rows whose mutate threw (--continue-on-error), recorded in the ledger. */
  failedRows: number;
  /** Wall time spent in the transaction (load → commit), ms. */
  ms: number;
}

export interface ChunkError {
  message: string;
  /** `script`: the user's code threw; `afterSave`: data committed, afterSave failed; `database`: PostgreSQL refused. */
  kind: "script" | "afterSave" | "database" | "timeout";
  retryable: boolean;
  stack?: string;
}

/** A result with nothing counted yet; the executor fills it in as the chunk runs. */
export function emptyChunkResult(chunkNo: number, pid: number, outcome: ChunkResult["outcome"]): ChunkResult {
  return {
    chunkNo,
    pid,
    outcome,
    ...zeroCounts(),
    failedRows: 0,
    columns: {},
    samples: [],
    ms: 0,
  };
}
