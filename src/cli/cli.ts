import "reflect-metadata";
// yargs 17: its CommonJS build loads in ~20 ms; yargs 18 is ESM-only and takes ~80 ms to load, before anything else can start.
import yargs from "yargs/yargs";
import { availableParallelism } from "node:os";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres";
import { scaffoldScript } from "./scaffold";
import { redactSecrets, registerUrlSecrets } from "../runner/redact";
import { runScript, ScriptLockedError, type RunOptions } from "../runner/run-script";
import { resolveScript } from "../runner/load-script";
import { createProgress, silentProgress } from "../runner/progress";
import { formatStatuses, scriptStatuses } from "../runner/status";
import { emptySummary, formatSummary, type RunSummary } from "../runner/summary";
import { isConnectionLoss } from "../runner/errors";
import { UsageError } from "../runner/usage-error";

export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3, interrupted: 130 } as const;

interface GlobalArgs {
  dataSource: string;
  scripts: string;
  workers?: number;
  chunkSize?: number;
  dryRun: boolean;
  force: boolean;
  restart: boolean;
  continueOnError: boolean;
  json: boolean;
  progress: boolean;
  verbose: boolean;
  param: string[];
  pauseMs?: number;
  lockTimeout?: number;
  statementTimeout?: number;
  chunkTimeout?: number;
}

/** Entry point of the `data-script` bin; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let verbose = argv.includes("--verbose");
  registerUrlSecrets(process.env.DATABASE_URL);
  const parser = yargs(argv)
    .scriptName("data-script")
    .usage("$0 <script> | run <script> | run --pending | status | check | new <name>")
    .option("data-source", { alias: "d", type: "string", default: "./ormconfig.ts", describe: "file exporting the TypeORM DataSource" })
    .option("scripts", { type: "string", default: "./scripts", describe: "folder of data scripts" })
    .option("workers", { type: "string", describe: "worker processes (default: available parallelism; 1 runs in-process)" })
    .option("chunk-size", { type: "string", describe: "rows per chunk (overrides the script's chunkSize)" })
    .option("dry-run", { type: "boolean", default: false, describe: "run every chunk and roll it back" })
    .option("force", { type: "boolean", default: false, describe: "run a completed script again, as a new run" })
    .option("restart", { type: "boolean", default: false, describe: "discard a failed run's progress instead of resuming it" })
    .option("continue-on-error", { type: "boolean", default: false, describe: "record failing chunks and carry on" })
    .option("param", { type: "string", array: true, default: [], describe: "script parameter key=value (repeatable)" })
    .option("pause-ms", { type: "string", describe: "pause between chunks, ms" })
    .option("lock-timeout", { type: "string", describe: "per-chunk lock_timeout, ms (default 5000)" })
    .option("statement-timeout", { type: "string", describe: "per-chunk statement_timeout, ms (default 60000)" })
    .option("chunk-timeout", { type: "string", describe: "per-chunk time limit, ms (default 300000)" })
    .option("json", { type: "boolean", default: false, describe: "print a machine-readable summary on stdout" })
    .option("progress", { type: "boolean", default: true, describe: "show progress (--no-progress to hide)" })
    .option("verbose", { type: "boolean", default: false, describe: "show stack traces" })
    .command(
      "run [script]",
      "run (or resume) one script, or every pending one with --pending",
      (y) => y.positional("script", { type: "string" }).option("pending", { type: "boolean", default: false }),
      async (args) => {
        const opts = parseGlobal(args as never);
        if (args.pending) {
          if (args.script) throw new UsageError("give a script name or --pending, not both");
          exitCode = await runPending(opts);
        } else {
          if (!args.script) throw new UsageError("which script? data-script run <script>, or data-script run --pending");
          exitCode = await runOne(opts, args.script as string);
        }
      },
    )
    .command(
      "status",
      "each script: pending / running / completed / failed / interrupted",
      () => undefined,
      async (args) => {
        const opts = parseGlobal(args as never);
        exitCode = await withDatabase(opts, async () => {
          const statuses = await scriptStatuses(opts.scripts, opts.dataSource);
          console.log(opts.json ? JSON.stringify(statuses, null, 2) : formatStatuses(statuses));
          return EXIT.ok;
        });
      },
    )
    .command(
      "check",
      "exit 1 if any script is pending or failed (a CI gate)",
      () => undefined,
      async (args) => {
        const opts = parseGlobal(args as never);
        exitCode = await withDatabase(opts, async () => {
          const statuses = await scriptStatuses(opts.scripts, opts.dataSource);
          const open = statuses.filter((s) => s.status !== "completed");
          if (opts.json) console.log(JSON.stringify({ ok: open.length === 0, open }, null, 2));
          else console.log(open.length ? `not run yet or not completed:\n${formatStatuses(open)}` : "all data scripts completed");
          return open.length ? EXIT.failed : EXIT.ok;
        });
      },
    )
    .command(
      "new <name>",
      "scaffold scripts/<name>.ts from a template",
      (y) => y.positional("name", { type: "string", demandOption: true }),
      (args) => {
        const file = scaffoldScript(last(args.scripts) as string, args.name as string);
        console.log(`created ${file}`);
      },
    )
    .command(
      "$0 [script]",
      "run (or resume) one script",
      (y) => y.positional("script", { type: "string" }),
      async (args) => {
        if (!args.script) {
          parser.showHelp("error");
          throw new UsageError("which script? data-script <script>");
        }
        exitCode = await runOne(parseGlobal(args as never), args.script as string);
      },
    )
    .strict()
    // `--param a=1 --param b=2` collects both; `--param a=1 <script>` leaves the script positional.
    // A repeated single-valued option (`-d a -d b`) takes its last value (see last()).
    .parserConfiguration({ "greedy-arrays": false })
    .help()
    .version(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  try {
    const parsed = await parser.parseAsync();
    verbose = Boolean(last(parsed.verbose));
    return exitCode;
  } catch (error) {
    return reportError(error, verbose);
  }
}

function parseGlobal(args: Record<string, unknown>): GlobalArgs & { workers: number } {
  const workers = last(args.workers) === undefined ? availableParallelism() : positiveInt(last(args.workers), "--workers");
  const chunkSize = last(args.chunkSize);
  return {
    dataSource: last(args.dataSource) as string,
    scripts: last(args.scripts) as string,
    workers,
    chunkSize: chunkSize === undefined ? undefined : positiveInt(chunkSize, "--chunk-size"),
    dryRun: Boolean(last(args.dryRun)),
    force: Boolean(last(args.force)),
    restart: Boolean(last(args.restart)),
    continueOnError: Boolean(last(args.continueOnError)),
    json: Boolean(last(args.json)),
    progress: last(args.progress) !== false,
    verbose: Boolean(last(args.verbose)),
    param: (args.param as string[]) ?? [],
    pauseMs: optionalInt(last(args.pauseMs), "--pause-ms"),
    lockTimeout: optionalInt(last(args.lockTimeout), "--lock-timeout"),
    statementTimeout: optionalInt(last(args.statementTimeout), "--statement-timeout"),
    chunkTimeout: optionalInt(last(args.chunkTimeout), "--chunk-timeout"),
  };
}

/** A single-valued option given more than once (yargs then collects an array): the last one wins. */
function last(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive integer, got "${String(value)}"`);
  }
  return n;
}

function optionalInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value))) throw new UsageError(`${flag} must be a whole number of milliseconds, got "${String(value)}"`);
  return Number(value);
}

function parseParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new UsageError(`--param expects key=value, got "${pair}"`);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}

/** Starts the embedded PostgreSQL when DATABASE_URL is unset, and stops it afterwards. */
async function withDatabase<T>(opts: GlobalArgs, work: () => Promise<T>): Promise<T> {
  let embedded: EmbeddedDatabase | undefined;
  if (!process.env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres(process.env.DATA_SCRIPT_EMBEDDED_DIR ?? ".data/postgres", (line) => {
      if (!opts.json) console.error(line);
    });
    process.env.DATABASE_URL = embedded.url;
  }
  try {
    return await work();
  } finally {
    if (embedded) {
      await embedded.stop().catch(() => undefined);
      delete process.env.DATABASE_URL;
    }
  }
}

async function runOne(opts: GlobalArgs & { workers: number }, script: string): Promise<number> {
  // An unknown or path-like name is refused before an embedded server is started for nothing.
  resolveScript(opts.scripts, script);
  return withDatabase(opts, () => withSignals(async (signal) => exitCodeOf(await runAndReport(opts, script, signal))));
}

async function runPending(opts: GlobalArgs & { workers: number }): Promise<number> {
  return withDatabase(opts, () =>
    withSignals(async (signal) => {
      const statuses = await scriptStatuses(opts.scripts, opts.dataSource);
      const todo = statuses.filter((s) => s.status !== "completed").map((s) => s.script);
      if (!todo.length) {
        if (!opts.json) console.error("nothing to do: every data script has completed");
        else console.log(JSON.stringify({ runs: [] }));
        return EXIT.ok;
      }
      const summaries: RunSummary[] = [];
      let code: number = EXIT.ok;
      for (const name of todo) {
        const summary = await runAndReport({ ...opts, json: false, quietJson: opts.json } as never, name, signal);
        summaries.push(summary);
        code = exitCodeOf(summary);
        if (code !== EXIT.ok) break;
      }
      if (opts.json) console.log(redactSecrets(JSON.stringify({ runs: summaries }, null, 2)));
      return code;
    }),
  );
}

async function runAndReport(opts: GlobalArgs & { workers: number; quietJson?: boolean }, script: string, signal: AbortSignal): Promise<RunSummary> {
  const quiet = opts.json || opts.quietJson;
  const options: RunOptions = {
    script,
    scriptsDir: opts.scripts,
    dataSourceFile: opts.dataSource,
    workers: opts.workers,
    chunkSize: opts.chunkSize,
    dryRun: opts.dryRun,
    force: opts.force,
    restart: opts.restart,
    continueOnError: opts.continueOnError,
    params: parseParams(opts.param),
    pauseMs: opts.pauseMs,
    lockTimeoutMs: opts.lockTimeout,
    statementTimeoutMs: opts.statementTimeout,
    chunkTimeoutMs: opts.chunkTimeout,
    progress: opts.progress && !quiet ? createProgress() : silentProgress,
    signal,
  };
  let summary: RunSummary;
  try {
    summary = await runScript(options);
  } catch (error) {
    if (!(error instanceof ScriptLockedError)) throw error;
    summary = { ...emptySummary(script, opts.dryRun, opts.workers), status: "locked", message: error.message };
  }
  // A chunk's error text comes from PostgreSQL, the driver or the script: mask any password in it.
  if (opts.json) console.log(redactSecrets(JSON.stringify(summary, null, 2)));
  else console.error(redactSecrets(formatSummary(summary)));
  return summary;
}

function exitCodeOf(summary: RunSummary): number {
  switch (summary.status) {
    case "completed":
    case "skipped":
      return EXIT.ok;
    case "locked":
      return EXIT.locked;
    case "interrupted":
      return EXIT.interrupted;
    default:
      return EXIT.failed;
  }
}

/** SIGINT/SIGTERM stop handing out chunks; a second signal exits at once. */
async function withSignals<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    console.error(`\n${name}: finishing in-flight chunks, then stopping (send it again to quit at once)`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function reportError(error: unknown, verbose: boolean): number {
  const err = error as Error;
  const message = redactSecrets(err?.message ?? String(error));
  if (error instanceof UsageError || err?.name === "YError") {
    console.error(`data-script: ${message}`);
    if (verbose && err.stack) console.error(redactSecrets(err.stack));
    return EXIT.usage;
  }
  if (error instanceof ScriptLockedError) {
    console.error(`data-script: ${message}`);
    return EXIT.locked;
  }
  if (isConnectionLoss(error)) {
    console.error(
      `data-script: lost the connection to the database (${message}). Each chunk commits whole, so nothing is half-written; ` +
        `run the same command again to resume where it stopped`,
    );
  } else {
    console.error(`data-script: ${message}`);
  }
  if (verbose && err?.stack) console.error(redactSecrets(err.stack));
  else console.error("(run with --verbose for the stack trace)");
  return EXIT.failed;
}

