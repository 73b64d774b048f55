import "reflect-metadata";
import { readFileSync } from "node:fs";
import { join } from "node:path";
// yargs 17: its CommonJS build loads in ~20 ms; yargs 18 is ESM-only and takes ~80 ms to load, before anything else can start.
import yargs from "yargs/yargs";
import {
  createProgress,
  describeError,
  EXIT,
  exitCodeOf,
  formatJson,
  formatCheck,
  formatStatuses,
  formatSummary,
  checkScripts,
  cancelScript,
  formatControl,
  pauseScript,
  resumeScript,
  type ControlOptions,
  type ControlResult,
  pruneUndo,
  revertScript,
  runPending,
  runScript,
  scaffoldScript,
  scriptStatuses,
  serveDashboard,
  silentProgress,
  UsageError,
  type RunSummary,
} from "..";
import { isJson, revertOptions, runOptions, showsProgress, targetOptions, type Flags } from "./flags";
import { databaseFlags, jsonFlag, quietProgressFlag, runnerFlags, scriptRunFlags, targetFlags } from "./options";
import { withSignals } from "./signals";
import { unresolvedTemplateImports } from "./template-imports";

/** Entry point of the `data-script` bin; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let verbose = argv.includes("--verbose");
  const parser = yargs(stdinInput(argv))
    .scriptName("data-script")
    .usage("$0 <script> [--join] | run <script> | run --pending | status | check | new <name> | revert <script> | prune --older-than <d> | pause|resume|cancel <script> | ui")
    // Every command lists (and takes) only its own options: the groups are in options.ts.
    .option("verbose", { type: "boolean", default: false, global: true, describe: "show stack traces" })
    .command(
      "run [script]",
      "run (or resume) one script, or every pending one with --pending",
      (y) => scriptRunFlags(y.positional("script", { type: "string" }).option("pending", { type: "boolean", default: false, describe: "every script not yet completed, in name order" })).group(["pending"], "Run:"),
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
      "each script: pending / running / paused / completed / failed / interrupted / cancelled",
      (y) => quietProgressFlag(jsonFlag(databaseFlags(y))),
      async (args) => {
        const flags = args as unknown as Flags;
        const statuses = await scriptStatuses({ ...targetOptions(flags), log: notices(flags) });
        console.log(isJson(flags) ? formatJson(statuses) : formatStatuses(statuses));
      },
    )
    .command(
      "check",
      "exit 1 if any script is pending or failed (a CI gate)",
      (y) => quietProgressFlag(jsonFlag(databaseFlags(y))),
      async (args) => {
        const flags = args as unknown as Flags;
        const checked = await checkScripts({ ...targetOptions(flags), log: notices(flags) });
        const { ok, open, reverted } = checked;
        if (isJson(flags)) console.log(formatJson({ ok, open, reverted: reverted.map((s) => s.script) }));
        else console.log(formatCheck(checked));
        exitCode = ok ? EXIT.ok : EXIT.failed;
      },
    )
    .command(
      "revert <script>",
      "undo the script's last run (or --run N) from its before-images",
      (y) =>
        runnerFlags(y.positional("script", { type: "string", demandOption: true }))
          .option("run", { type: "string", describe: "the run to undo (default: the script's last)" })
          .group(["run"], "Run:"),
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
      "--older-than <d>: delete the before-images of runs that finished before then (e.g. 30d, 12h)",
      (y) =>
        quietProgressFlag(jsonFlag(databaseFlags(y.usage("$0 prune --older-than <d>\n\ndelete the before-images of runs that finished more than <d> ago"))))
          .option("older-than", { type: "string", demandOption: true, describe: "how long ago a run finished for its before-images to go, e.g. 30d, 12h" })
          .group(["older-than"], "Prune:"),
      async (args) => {
        const flags = args as unknown as Flags & { olderThan: string };
        const pruned = await pruneUndo({ ...targetOptions(flags), olderThan: flags.olderThan, log: notices(flags) });
        if (isJson(flags)) console.log(formatJson(pruned));
        else console.log(`pruned the before-images of ${pruned.runs} run(s): ${pruned.rows} rows, ${(pruned.bytes / 1024 / 1024).toFixed(1)} MB`);
      },
    )
    .command(
      "ui",
      "the live web dashboard (token-protected, bound to 127.0.0.1)",
      (y) =>
        quietProgressFlag(databaseFlags(y))
          .option("port", { type: "string", describe: "port to listen on (default 8384; 0 picks a free one)" })
          .option("host", { type: "string", describe: "address to bind (default 127.0.0.1: this machine only)" })
          .option("read-only", { type: "boolean", default: false, describe: "show the runs, offer no action (and refuse them)" })
          .group(["port", "host", "read-only"], "Dashboard:"),
      async (args) => {
        const flags = args as unknown as Flags & { port?: string; host?: string; readOnly: boolean };
        const server = await serveDashboard({ ...targetOptions(flags), port: flags.port, host: flags.host, readOnly: flags.readOnly, log: notices(flags) });
        console.log(`data-script dashboard${flags.readOnly ? " (read-only)" : ""}: ${server.url}`);
        // Serves until SIGINT/SIGTERM.
        await new Promise((resolve) => (process.once("SIGINT", resolve), process.once("SIGTERM", resolve)));
        await server.close();
      },
    )
    .command(
      "pause <script>",
      "hold the script's run in progress on every host, at their next chunk boundary, until resumed",
      (y) => quietProgressFlag(jsonFlag(databaseFlags(y))).positional("script", { type: "string", demandOption: true }).option("reason", { type: "string", describe: "why: shown on every host and by status" }),
      async (args) => control(pauseScript, args as never),
    )
    .command(
      "resume <script>",
      "lift the pause: the hosts at work go on (stopped ones rejoin with --join)",
      (y) => quietProgressFlag(jsonFlag(databaseFlags(y))).positional("script", { type: "string", demandOption: true }).option("reason", { type: "string", describe: "why: kept in the run's history" }),
      async (args) => control(resumeScript, args as never),
    )
    .command(
      "cancel <script>",
      "end the script's run in progress as cancelled on every host (saved chunks stay saved and revertible)",
      (y) => quietProgressFlag(jsonFlag(databaseFlags(y))).positional("script", { type: "string", demandOption: true }).option("reason", { type: "string", describe: "why: shown on every host and by status" }),
      async (args) => control(cancelScript, args as never),
    )
    .command(
      "new <name>",
      "scaffold <scripts>/<name>.ts from a template",
      (y) =>
        quietProgressFlag(targetFlags(y))
          .positional("name", { type: "string", demandOption: true })
          .option("with-params", { type: "boolean", default: false, describe: "with a parameter schema (zod)" })
          .option("with-input", { type: "boolean", default: false, describe: "a source-kind script that reads an --input file" })
          .group(["with-params", "with-input"], "Scaffold:"),
      (args) => {
        const file = scaffoldScript(args.name as string, {
          ...targetOptions(args as unknown as Flags),
          withParams: Boolean(args.withParams),
          withInput: Boolean(args.withInput),
        });
        console.log(`created ${file}`);
        for (const name of unresolvedTemplateImports(file, Boolean(args.withParams))) {
          console.log(`  it imports ${name}, which this app does not have: npm install ${name} (or declare the schema with another Standard Schema validator)`);
        }
      },
    )
    .command(
      "$0 [script]",
      "run (or resume) one script",
      (y) => scriptRunFlags(y.positional("script", { type: "string" })),
      async (args) => {
        if (!args.script) {
          parser.showHelp("error");
          throw new UsageError("which script? data-script <script>");
        }
        exitCode = await one(args as never, args.script as string);
      },
    )
    .epilogue("Each command lists its own options: data-script <command> --help")
    .strict()
    // `--param a=1 --param b=2` collects both; `--param a=1 <script>` leaves the script positional.
    // A repeated single-valued option (`-d a -d b`) takes its last value (see flags.ts).
    .parserConfiguration({ "greedy-arrays": false })
    .help()
    .version(packageVersion())
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

/** This package's version, for `data-script --version`. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
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

/** pause / resume / cancel: one line of what happened (a request the run's state does not allow is a UsageError: exit 2). */
async function control(request: (options: ControlOptions) => Promise<ControlResult>, args: Flags & { script: string; reason?: string | string[] }): Promise<void> {
  const reason = Array.isArray(args.reason) ? args.reason[args.reason.length - 1] : args.reason;
  const result = await request({ ...targetOptions(args), script: args.script, reason, log: notices(args) });
  console.log(isJson(args) ? formatJson(result) : formatControl(result));
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
