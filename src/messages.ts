/**
 * The messages between the parent (src/runtime) and its workers (src/worker):
 * the settings a worker starts with, the chunk tasks it is handed, and the
 * results it sends back. Both sides import this file; it imports neither.
 */

/** How the parent tells a worker where the database is when the data source names none (the embedded server). */
export interface ConnectionOverride {
  url: string;
}

/** What every worker of one run starts with, sent once when it is forked (never with each chunk). */
export interface WorkerSettings {
  dataSourceFile: string;
  /** The application_name of every session the worker opens: whoever evicts its participant terminates them by it. */
  applicationName: string;
  scriptFile: string;
  /** Set when the parent chose the database (the embedded server); otherwise the data source's own configuration. */
  connection?: ConnectionOverride;
  /** ctx.params as the parent validated them, v8-serialised (base64): Dates and bigints arrive as they are. */
  params: string;
  /** The --input file as messages name it (`feed.csv`, `stdin`): errors say "feed.csv line N". */
  inputName?: string;
  dryRun: boolean;
  /** The run's --lock-timeout / --statement-timeout; undefined: the script's own, else the default. */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  chunkTimeoutMs: number;
  /** Record rows whose mutate throws, skip them, and carry on. */
  continueOnError: boolean;
  /** Keep before-images for `data-script revert` (unless the script says keepUndo = false). */
  keepUndo: boolean;
  /** Stack traces map to the app's .ts lines. */
  sourceMaps: boolean;
}

/** Every task carries the run and the participant its worker works for (its claims and marks are fenced by it). */
interface TaskBase {
  runId: number;
  participant: number;
  /** A revert: the run whose before-images its chunks restore. */
  revertOf?: number;
}

/**
 * Pull: the worker takes what is next in the ledger — an afterSave owed by a
 * participant that is gone (or, with `includeMine`, by its own participant:
 * one of its workers died in it), else (`what: "any"`) the next claimable chunk.
 */
export interface NextTask extends TaskBase {
  kind: "next";
  what: "any" | "afterSave";
  includeMine: boolean;
}

/** Push: the parent hands out this chunk (source-kind inputs, dry runs, rows that failed under --continue-on-error). */
export interface GivenChunkTask extends TaskBase {
  kind: "given";
  chunkNo: number;
  /** Table kind: the inclusive key range (as text). */
  lo: string | null;
  hi: string | null;
  /** Source kind: this chunk's inputs. */
  inputs?: unknown[];
  /** An --input file's: the line each input starts on (same order as `inputs`). */
  lines?: number[];
  /** Retry rows (table kind: keys) or inputs (source kind) recorded as failed by an earlier attempt. */
  retryFailures?: { id: number; key: unknown; input: unknown }[];
}

export type ChunkTask = NextTask | GivenChunkTask;

export interface ChunkSample {
  key: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** A row mutate removed: how (before and after are then empty). */
  removed?: "deleted" | "soft-removed";
}

/** The row counts a run, a chunk and the ledger keep. */
export interface RowCounts {
  scanned: number;
  /** Rows updated (a revert: rows restored). */
  changed: number;
  inserted: number;
  /** Rows left alone: mutate returned false, or (a revert) changed since by live traffic. */
  skipped: number;
  conflicted: number;
  /** A revert: rows the run had inserted, deleted again. */
  deleted: number;
  /** Table kind: rows mutate asked to remove (`return REMOVE`): deleted, or soft-removed where the entity has a @DeleteDateColumn. */
  removed: number;
}

export function zeroCounts(): RowCounts {
  return { scanned: 0, changed: 0, inserted: 0, skipped: 0, conflicted: 0, deleted: 0, removed: 0 };
}

export interface ChunkResult extends RowCounts {
  /** The chunk the task worked on; 0 when it found none. */
  chunkNo: number;
  pid: number;
  /**
   * `already` — another process had saved it (a resumed run racing an orphan);
   * `idle` — nothing to take now (see `left`); `stopped` — the run stopped or
   * ended (see `error`); `evicted` — this participant was evicted.
   */
  outcome: "saved" | "done" | "already" | "failed" | "idle" | "stopped" | "evicted";
  /** `stopped`: the run's status then (`paused`: hold, not stop). */
  runStatus?: string;
  /** 1 for a chunk's first attempt. */
  attempt: number;
  /** A chunk whose statement timed out: the two key ranges it is to be cut into (none below the floor of two rows). */
  split?: { first: { lo: string; hi: string }; second: { lo: string; hi: string } };
  /** What remained when the worker found nothing to take. */
  left?: { pending: number; saved: number; retryInMs: number | null };
  /** Changed rows per column (dry runs report it). */
  columns: Record<string, number>;
  samples: ChunkSample[];
  error?: ChunkError;
  /** Rows whose mutate threw (--continue-on-error), recorded in the ledger. */
  failedRows: number;
  /** A revert: keys of the rows it skipped (changed since). */
  skippedKeys?: unknown[];
  /** Wall time spent in the transaction (load → commit), ms. */
  ms: number;
}

export interface ChunkError {
  message: string;
  /** `script`: the user's code threw; `afterSave`: data committed, afterSave failed; `database`: PostgreSQL refused. */
  kind: "script" | "afterSave" | "database" | "timeout";
  retryable: boolean;
  /** PostgreSQL's SQLSTATE, when the database raised it. */
  code?: string;
  stack?: string;
}

/** A result with nothing counted yet; the worker fills it in as the chunk runs. */
export function emptyChunkResult(chunkNo: number, pid: number, outcome: ChunkResult["outcome"]): ChunkResult {
  return { chunkNo, pid, outcome, attempt: 0, ...zeroCounts(), failedRows: 0, columns: {}, samples: [], ms: 0 };
}

/** What the worker module exports: Tinypool calls runChunk in a child; `--workers 1` calls all three in the parent. */
export interface WorkerModule {
  configureWorker(settings: WorkerSettings, workerId: number): void;
  runChunk(task: ChunkTask): Promise<ChunkResult>;
  closeWorker(): Promise<void>;
}

/** The environment variable that carries a forked worker's settings (JSON), or the number of pieces they were cut into. */
export const WORKER_SETTINGS_ENV = "DATA_SCRIPT_WORKER_SETTINGS";

/**
 * Linux refuses to start a process whose one environment string is over 128 KiB (E2BIG), and a
 * run's settings carry its parameters (a --params-file may hold 1 MB): longer settings go in pieces
 * (`…_PARTS` = n, `…_0` … `…_n-1`), which together may use the whole environment's limit.
 */
const PIECE = 100_000;

export function workerSettingsEnv(settings: WorkerSettings): Record<string, string> {
  // Escaped to ASCII: a piece's length is its size in bytes, and a cut never splits a character
  // (a surrogate pair would arrive as U+FFFD).
  const ascii = JSON.stringify(settings).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (ascii.length <= PIECE) return { [WORKER_SETTINGS_ENV]: ascii };
  const env: Record<string, string> = {};
  let parts = 0;
  for (let at = 0; at < ascii.length; at += PIECE) env[`${WORKER_SETTINGS_ENV}_${parts++}`] = ascii.slice(at, at + PIECE);
  env[`${WORKER_SETTINGS_ENV}_PARTS`] = String(parts);
  return env;
}

/** One of the variables workerSettingsEnv writes: a worker's own, never passed on to a process it starts. */
export function isWorkerSettingsVariable(name: string): boolean {
  return name.startsWith(WORKER_SETTINGS_ENV);
}

/**
 * The settings a forked worker was started with, or undefined when it was not given any. They
 * are taken out of `env`: a process the script starts does not inherit them (they hold its parameters).
 */
export function takeWorkerSettingsEnv(env: NodeJS.ProcessEnv): WorkerSettings | undefined {
  const parts = Number(env[`${WORKER_SETTINGS_ENV}_PARTS`] ?? 0);
  const pieces = Array.from({ length: parts }, (_, i) => env[`${WORKER_SETTINGS_ENV}_${i}`]);
  const missing = pieces.findIndex((piece) => piece === undefined);
  if (missing >= 0) throw new Error(`this worker's settings are incomplete: piece ${missing + 1} of ${parts} is missing from its environment`);
  const json = parts ? pieces.join("") : env[WORKER_SETTINGS_ENV];
  for (const name of Object.keys(env)) if (isWorkerSettingsVariable(name)) delete env[name];
  return json ? (JSON.parse(json) as WorkerSettings) : undefined;
}
