import "reflect-metadata";
// yargs 17: its CommonJS build loads in ~20 ms; yargs 18 is ESM-only and takes ~80 ms to load, before anything else can start.
import yargs from "yargs/yargs";
import {
  createProgress,
  describeError,
  EXIT,
  exitCodeOf,
  formatJson,
  formatStatuses,
  formatSummary,
  checkScripts,
  pruneUndo,
  revertScript,
  runPending,
  runScript,
  scaffoldScript,
  scriptStatuses,
  silentProgress,
  UsageError,
  type RunSummary,
} from "..";
import { isJson, revertOptions, runOptions, showsProgress, targetOptions, type Flags } from "./flags";
import { withSignals } from "./signals";

/** `--allow-empty`: a run's option (run and the bare `data-script <script>`). */
const ALLOW_EMPTY = { type: "boolean", default: false, describe: "run an --input file with no records (recorded as completed) instead of refusing it" } as const;

/** Entry point of the `data-script` bin; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let verbose = argv.includes("--verbose");
  const parser = yargs(stdinInput(argv))
    .scriptName("data-script")
    .usage("$0 <script> [--join] | run <script> | run --pending | status | check | new <name> | revert <script> | prune --older-than <d>")
    .option("data-source", { alias: "d", type: "string", describe: "file exporting the TypeORM DataSource (default: package.json \"data-script\".dataSource, else ./ormconfig.ts)" })
    .option("scripts", { type: "string", describe: "folder of data scripts (default: package.json \"data-script\".scripts, else ./scripts)" })
    .option("namespace", { type: "string", describe: "the app's name in the ledger (default: package.json \"data-script\".namespace, else the package's name)" })
    .option("workers", { type: "string", describe: "worker processes (default: available parallelism; 1 runs in-process)" })
    .option("chunk-size", { type: "string", describe: "rows per chunk (overrides the script's chunkSize)" })
    .option("dry-run", { type: "boolean", default: false, describe: "run every chunk and roll it back" })
    .option("force", { type: "boolean", default: false, describe: "run a completed script again, as a new run" })
    .option("restart", { type: "boolean", default: false, describe: "discard a failed run's progress instead of resuming it" })
    .option("continue-on-error", { type: "boolean", default: false, describe: "record failing chunks and carry on" })
    .option("param", { type: "string", array: true, default: [], describe: "script parameter key=value (repeatable)" })
    .option("params-file", { type: "string", describe: "a JSON file of script parameters (--param values override it)" })
    .option("input", { type: "string", describe: "the script's input file: CSV or JSON lines, optionally gzipped; - for standard input" })
    .option("pause-ms", { type: "string", describe: "pause between chunks, ms" })
    .option("lock-timeout", { type: "string", describe: "per-chunk lock_timeout, ms (default 5000)" })
    .option("statement-timeout", { type: "string", describe: "per-chunk statement_timeout, ms (default 60000)" })
    .option("chunk-timeout", { type: "string", describe: "per-chunk time limit, ms (default 300000)" })
    .option("join", { type: "boolean", default: false, describe: "start the run, or join the one in progress as another participant (another host)" })
    .option("lease", { type: "string", describe: "how long a silent participant keeps its place before the others evict it (default 60s)" })
    .option("max-replication-lag", { type: "string", describe: "hold the run while a standby is further behind than this (default 10s; 0: no check)" })
    .option("undo", { type: "boolean", default: true, describe: "keep before-images for revert (--no-undo: keep none)" })
    .option("embedded", { type: "boolean", default: false, describe: "use the embedded PostgreSQL even under CI (when the data source names no database)" })
    .option("json", { type: "boolean", default: false, describe: "print a machine-readable summary on stdout" })
    .option("progress", { type: "boolean", default: true, describe: "show progress (--no-progress to hide)" })
    .option("verbose", { type: "boolean", default: false, describe: "show stack traces" })
    .command(
      "run [script]",
      "run (or resume) one script, or every pending one with --pending",
      (y) => y.positional("script", { type: "string" }).option("pending", { type: "boolean", default: false }).option("allow-empty", ALLOW_EMPTY),
      async (args) => {
        if (args.pending) {
          if (args.script) throw new UsageError("give a script name or --pending, not both");
          exitCode = await pending(args as never);
        } else {
          if (!args.script) throw new UsageError("which script? data-script run <script>, or data-script run --pending");
          exitCode = await one(args as never, args.script as string);
        }
      },
    )
    .command(
      "status",
      "each script: pending / running / completed / failed / interrupted",
      () => undefined,
      async (args) => {
        const flags = args as unknown as Flags;
        const statuses = await scriptStatuses({ ...targetOptions(flags), log: notices(flags) });
        console.log(isJson(flags) ? formatJson(statuses) : formatStatuses(statuses));
      },
    )
    .command(
      "check",
      "exit 1 if any script is pending or failed (a CI gate)",
      () => undefined,
      async (args) => {
        const flags = args as unknown as Flags;
        const { ok, open } = await checkScripts({ ...targetOptions(flags), log: notices(flags) });
        if (isJson(flags)) console.log(formatJson({ ok, open }));
        else console.log(open.length ? `not run yet or not completed:\n${formatStatuses(open)}` : "all data scripts completed");
        exitCode = ok ? EXIT.ok : EXIT.failed;
      },
    )
    .command(
      "revert <script>",
      "undo the script's last run (or --run N) from its before-images",
      (y) => y.positional("script", { type: "string", demandOption: true }).option("run", { type: "string", describe: "the run to undo (default: the script's last)" }),
      async (args) => {
        const flags = args as unknown as Flags & { run?: string };
        exitCode = await withSignals(async (signal) => {
          const summary = await revertScript({ ...revertOptions(flags), script: args.script as string, run: flags.run, signal, progress: progressFor(flags), log: notices(flags) });
          print(flags, summary);
          return exitCodeOf(summary);
        });
      },
    )
    .command(
      "prune",
      "delete the before-images of runs that finished long ago",
      (y) => y.option("older-than", { type: "string", demandOption: true, describe: "e.g. 30d, 12h" }),
      async (args) => {
        const flags = args as unknown as Flags & { olderThan: string };
        const pruned = await pruneUndo({ ...targetOptions(flags), olderThan: flags.olderThan, log: notices(flags) });
        if (isJson(flags)) console.log(formatJson(pruned));
        else console.log(`pruned the before-images of ${pruned.runs} run(s): ${pruned.rows} rows, ${(pruned.bytes / 1024 / 1024).toFixed(1)} MB`);
      },
    )
    .command(
      "new <name>",
      "scaffold <scripts>/<name>.ts from a template",
      (y) =>
        y
          .positional("name", { type: "string", demandOption: true })
          .option("with-params", { type: "boolean", default: false, describe: "with a parameter schema (zod)" })
          .option("with-input", { type: "boolean", default: false, describe: "a source-kind script that reads an --input file" }),
      (args) => {
        const file = scaffoldScript(args.name as string, {
          ...targetOptions(args as unknown as Flags),
          withParams: Boolean(args.withParams),
          withInput: Boolean(args.withInput),
        });
        console.log(`created ${file}`);
      },
    )
    .command(
      "$0 [script]",
      "run (or resume) one script",
      (y) => y.positional("script", { type: "string" }).option("allow-empty", ALLOW_EMPTY),
      async (args) => {
        if (!args.script) {
          parser.showHelp("error");
          throw new UsageError("which script? data-script <script>");
        }
        exitCode = await one(args as never, args.script as string);
      },
    )
    .strict()
    // `--param a=1 --param b=2` collects both; `--param a=1 <script>` leaves the script positional.
    // A repeated single-valued option (`-d a -d b`) takes its last value (see flags.ts).
    .parserConfiguration({ "greedy-arrays": false })
    .help()
    .version(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  try {
    const parsed = await parser.parseAsync();
    verbose = Boolean(Array.isArray(parsed.verbose) ? parsed.verbose.at(-1) : parsed.verbose);
    return exitCode;
  } catch (error) {
    const { exitCode: code, text } = describeError(error, verbose);
    console.error(text);
    return code;
  }
}

/** `--input -` (standard input): yargs would take a lone `-` for a positional; `--input=-` it takes as the value. */
function stdinInput(argv: string[]): string[] {
  return argv.flatMap((arg, i) => (arg === "-" && argv[i - 1] === "--input" ? [] : arg === "--input" && argv[i + 1] === "-" ? ["--input=-"] : [arg]));
}

async function one(flags: Flags, script: string): Promise<number> {
  return withSignals(async (signal) => {
    const summary = await runScript({ ...runOptions(flags), script, signal, progress: progressFor(flags), log: notices(flags) });
    print(flags, summary);
    return exitCodeOf(summary);
  });
}

async function pending(flags: Flags): Promise<number> {
  return withSignals(async (signal) => {
    const runs = await runPending({
      ...runOptions(flags),
      signal,
      progress: progressFor(flags),
      log: notices(flags),
      onSummary: (summary) => isJson(flags) || print(flags, summary),
    });
    if (isJson(flags)) console.log(formatJson({ runs }));
    else if (!runs.length) console.error("nothing to do: every data script has completed");
    return runs.length ? exitCodeOf(runs[runs.length - 1]) : EXIT.ok;
  });
}

function print(flags: Flags, summary: RunSummary): void {
  if (isJson(flags)) console.log(formatJson(summary));
  else console.error(formatSummary(summary));
}

function progressFor(flags: Flags) {
  return showsProgress(flags) ? createProgress() : silentProgress;
}

/** One-line notices (the embedded server) go to stderr, except under --json. */
function notices(flags: Flags): (line: string) => void {
  return (line) => {
    if (!isJson(flags)) console.error(line);
  };
}
