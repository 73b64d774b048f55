import { closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { UsageError } from "../errors";
import { closestName } from "./did-you-mean";
import { readAppConfig } from "./app-config";

/**
 * Every setting of the runner, resolved and validated once, from the CLI or
 * from a program calling the API, with the same defaults and the same
 * messages (which name the CLI flags). Nothing downstream re-reads options.
 */

/** Where the app's data source and scripts are, and how to reach its database. Shared by every command. */
export interface TargetOptions {
  /** The file exporting the app's DataSource. Default: the app's `data-script.dataSource`, else ./ormconfig.ts. */
  dataSource?: string;
  /** The folder of data scripts. Default: the app's `data-script.scripts`, else ./scripts. */
  scripts?: string;
  /** Use the embedded PostgreSQL even under CI (it starts only when the data source configures no database). */
  embedded?: boolean;
  /** Where relative paths and the app's package.json are looked up. Default: the working directory. */
  cwd?: string;
  /** Stack traces (and the app's .ts lines in them). */
  verbose?: boolean;
  /**
   * The app's name in the ledger: its runs are told apart from another app's scripts of the same name
   * on the same database. Default: the app's `data-script.namespace`, else its package.json name, else "default".
   */
  namespace?: string;
}

/** How one run behaves. Numbers may be given as the CLI's strings; both are checked the same way. */
export interface RunOptions extends TargetOptions {
  /** Worker processes; 1 runs in-process. Default: chosen from the plan's chunks and the machine (the summary says why). */
  workers?: number | string;
  /** Rows per chunk; overrides the script's chunkSize. */
  chunkSize?: number | string;
  /** Run every chunk and roll it back. */
  dryRun?: boolean;
  /** Run a completed script again, as a new run. */
  force?: boolean;
  /** Discard a failed or interrupted run's progress instead of resuming it. */
  restart?: boolean;
  /** Record failing rows and chunks and carry on; the run ends failed. */
  continueOnError?: boolean;
  /** Script parameters: an object, or the CLI's `key=value` strings. They override the params file's. */
  params?: Record<string, unknown> | string[];
  /** A JSON file holding an object of parameters. */
  paramsFile?: string;
  /** A source-kind script's input file (CSV or JSON lines, optionally gzipped), or "-" for standard input. */
  input?: string;
  pauseMs?: number | string;
  lockTimeoutMs?: number | string;
  statementTimeoutMs?: number | string;
  chunkTimeoutMs?: number | string;
  /** Attempts after the first for a retryable chunk failure (deadlock, lock timeout, lost connection). */
  maxRetries?: number | string;
  /** Start the run, or join the one in progress as another participant (another host). */
  join?: boolean;
  /** How long a silent participant keeps its place before another evicts it: ms, or "60s", "500ms", "2m". */
  lease?: number | string;
  /** Keep no before-images for this run (it cannot be reverted). */
  noUndo?: boolean;
  /** Hold the run while a standby of the primary is further behind than this ("10s", ms; 0: no check). */
  maxReplicationLag?: number | string;
  /** An --input file with no records is run (and the script recorded as completed) instead of refused. */
  allowEmpty?: boolean;
}

export const DEFAULTS = {
  dataSource: "./ormconfig.ts",
  scripts: "./scripts",
  namespace: "default",
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 60_000,
  chunkTimeoutMs: 300_000,
  maxRetries: 3,
  pauseMs: 0,
  leaseMs: 60_000,
  maxReplicationLagMs: 10_000,
} as const;

export interface TargetSettings {
  dataSource: string;
  scripts: string;
  namespace: string;
  embedded: boolean;
  cwd: string;
  verbose: boolean;
}

export interface RunSettings extends TargetSettings {
  /** As given; by default the machine's parallelism, until the plan chooses (autoWorkers). */
  workers: number;
  /** --workers not given: the run chooses from its plan and the machine (runtime/worker-count.ts). */
  autoWorkers: boolean;
  /** Undefined: the script's own chunkSize. */
  chunkSize?: number;
  dryRun: boolean;
  force: boolean;
  restart: boolean;
  continueOnError: boolean;
  /** As given (the params file's, then --param's), before the script's schema validates them. */
  params: Record<string, unknown>;
  /** `path`: resolved, or "-" for standard input; `shownAs`: as given, for messages. */
  input?: { path: string; shownAs: string };
  pauseMs: number;
  /** Undefined: the script's own, else the default (applied where the script is known). */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  chunkTimeoutMs: number;
  maxRetries: number;
  join: boolean;
  leaseMs: number;
  /** Before-images are kept (for revert) unless --no-undo; a script can also opt out (keepUndo = false). */
  keepUndo: boolean;
  maxReplicationLagMs: number;
  allowEmpty: boolean;
}

const TARGET_KEYS: (keyof TargetOptions)[] = ["dataSource", "scripts", "embedded", "cwd", "verbose", "namespace"];
const RUN_KEYS: (keyof RunOptions)[] = [
  ...TARGET_KEYS,
  "workers",
  "chunkSize",
  "dryRun",
  "force",
  "restart",
  "continueOnError",
  "params",
  "paramsFile",
  "input",
  "pauseMs",
  "lockTimeoutMs",
  "statementTimeoutMs",
  "chunkTimeoutMs",
  "maxRetries",
  "join",
  "lease",
  "noUndo",
  "maxReplicationLag",
  "allowEmpty",
];

/** The CLI flag each option is, for messages. */
const FLAGS: Record<string, string> = {
  dataSource: "--data-source",
  workers: "--workers",
  chunkSize: "--chunk-size",
  pauseMs: "--pause-ms",
  lockTimeoutMs: "--lock-timeout",
  statementTimeoutMs: "--statement-timeout",
  chunkTimeoutMs: "--chunk-timeout",
  maxRetries: "--max-retries",
};

export function resolveTargetSettings(options: TargetOptions, known: readonly string[] = TARGET_KEYS): TargetSettings {
  refuseUnknown(options as Record<string, unknown>, known);
  const cwd = options.cwd ?? process.cwd();
  const app = options.dataSource && options.scripts && options.namespace ? {} : readAppConfig(cwd);
  if (options.namespace !== undefined && (typeof options.namespace !== "string" || !options.namespace.trim())) {
    throw new UsageError(`--namespace must be a non-empty name, got "${String(options.namespace)}"`);
  }
  return {
    dataSource: options.dataSource ?? app.dataSource ?? DEFAULTS.dataSource,
    scripts: options.scripts ?? app.scripts ?? DEFAULTS.scripts,
    namespace: options.namespace ?? app.namespace ?? app.packageName ?? DEFAULTS.namespace,
    embedded: options.embedded ?? false,
    cwd,
    verbose: options.verbose ?? false,
  };
}

export function resolveRunSettings(options: RunOptions): RunSettings {
  const target = resolveTargetSettings(options, RUN_KEYS);
  return {
    ...target,
    workers: options.workers === undefined ? availableParallelism() : positiveInt(options.workers, "workers"),
    autoWorkers: options.workers === undefined,
    chunkSize: options.chunkSize === undefined ? undefined : positiveInt(options.chunkSize, "chunkSize"),
    dryRun: options.dryRun ?? false,
    force: options.force ?? false,
    restart: options.restart ?? false,
    continueOnError: options.continueOnError ?? false,
    params: { ...readParamsFile(options.paramsFile, target.cwd), ...parseParams(options.params) },
    input: inputFile(options.input, target.cwd),
    pauseMs: milliseconds(options.pauseMs, "pauseMs") ?? DEFAULTS.pauseMs,
    lockTimeoutMs: milliseconds(options.lockTimeoutMs, "lockTimeoutMs"),
    statementTimeoutMs: milliseconds(options.statementTimeoutMs, "statementTimeoutMs"),
    chunkTimeoutMs: milliseconds(options.chunkTimeoutMs, "chunkTimeoutMs") ?? DEFAULTS.chunkTimeoutMs,
    maxRetries: options.maxRetries === undefined ? DEFAULTS.maxRetries : wholeNumber(options.maxRetries, "maxRetries"),
    join: options.join ?? false,
    leaseMs: options.lease === undefined ? DEFAULTS.leaseMs : duration(options.lease, "lease"),
    keepUndo: !(options.noUndo ?? false),
    maxReplicationLagMs: options.maxReplicationLag === undefined ? DEFAULTS.maxReplicationLagMs : duration(options.maxReplicationLag, "maxReplicationLag", 0),
    allowEmpty: options.allowEmpty ?? false,
  };
}

function refuseUnknown(options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || options[key] === undefined) continue;
    const suggestion = closestName(key, [...known]);
    throw new UsageError(`unknown option "${key}"` + (suggestion ? `. Did you mean "${suggestion}"?` : ` (known: ${known.join(", ")})`));
  }
}

function flag(option: string): string {
  return FLAGS[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function positiveInt(value: unknown, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag(option)} must be a positive integer, got "${String(value)}"`);
  }
  return n;
}

function wholeNumber(value: unknown, option: string): number {
  if (!/^\d+$/.test(String(value)) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag(option)} must be a whole number, got "${String(value)}"`);
  }
  return Number(value);
}

function milliseconds(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value))) throw new UsageError(`${flag(option)} must be a whole number of milliseconds, got "${String(value)}"`);
  return Number(value);
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: milliseconds as a number, or a string such as "60s", "500ms", "2m", "30d" (a bare number is seconds). */
export function duration(value: unknown, option: string, atLeastMs = 1_000): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(String(value).trim());
  const ms = typeof value === "number" ? value : match ? Number(match[1]) * UNITS[match[2] ?? "s"] : NaN;
  if (!Number.isFinite(ms) || ms < atLeastMs) {
    const least = atLeastMs ? `of at least ${atLeastMs / 1000}s` : "";
    throw new UsageError(`${flag(option)} must be a duration ${least}${least ? ", " : ""}such as 60s, 500ms, 2m or 30d; got "${String(value)}"`);
  }
  return Math.round(ms);
}

/** A params file is a handful of values: anything larger is not one (and /dev/zero would fill the memory). */
export const PARAMS_FILE_MAX_BYTES = 1024 * 1024;

/**
 * A regular file's text, at most `max` bytes. Opened without blocking and checked on the open
 * descriptor: a FIFO would block the read forever (deaf to SIGTERM), a device never ends.
 */
function readBoundedFile(path: string, max: number, option: string, shownAs: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(`${option} ${shownAs} cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${option} ${shownAs} is not a regular file (${fileKind(stat)}): give a JSON file`);
    if (stat.size > max) throw new UsageError(`${option} ${shownAs} is ${stat.size.toLocaleString("en-US")} bytes: a params file may hold at most ${max.toLocaleString("en-US")}`);
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (let n; length <= max && (n = readSync(fd, buffer, length, max + 1 - length, null)) > 0; ) length += n;
    if (length > max) throw new UsageError(`${option} ${shownAs} grew past ${max.toLocaleString("en-US")} bytes while being read`);
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}

function readParamsFile(file: string | undefined, cwd: string): Record<string, unknown> {
  if (file === undefined) return {};
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`--params-file not found: ${file}`);
  let parsed: unknown;
  const text = readBoundedFile(path, PARAMS_FILE_MAX_BYTES, "--params-file", file);
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new UsageError(`--params-file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(`--params-file ${file} must hold a JSON object of parameters ({"since": "2024-01-01", …})`);
  }
  return parsed as Record<string, unknown>;
}

function inputFile(input: string | undefined, cwd: string): RunSettings["input"] {
  if (input === undefined) return undefined;
  if (input === "-") return { path: "-", shownAs: "stdin" };
  const path = resolve(cwd, input);
  if (!input || !existsSync(path)) throw new UsageError(`--input file not found: ${input}`);
  if (!statSync(path).isFile()) throw new UsageError(`--input ${input} is not a file`);
  return { path, shownAs: input };
}

function parseParams(params: RunOptions["params"]): Record<string, unknown> {
  if (params === undefined) return {};
  if (!Array.isArray(params)) return { ...params };
  const parsed: Record<string, unknown> = {};
  for (const pair of params) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new UsageError(`--param expects key=value, got "${pair}"`);
    // Defined, not assigned: `__proto__=x` must stay a key (that the schema refuses), not set the prototype.
    Object.defineProperty(parsed, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return parsed;
}

/** A chunk's lock and statement timeouts: the run's flag, else the script's own, else the default. */
export function chunkTimeouts(
  run: { lockTimeoutMs?: number; statementTimeoutMs?: number },
  script: { lockTimeoutMs?: number; statementTimeoutMs?: number },
): { lockTimeoutMs: number; statementTimeoutMs: number } {
  return {
    lockTimeoutMs: run.lockTimeoutMs ?? script.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
    statementTimeoutMs: run.statementTimeoutMs ?? script.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
  };
}
