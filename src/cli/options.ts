import type { Argv } from "yargs";

/**
 * The CLI's options, in small groups that each command's builder picks from,
 * so `<command> --help` lists only what that command takes (and `strict()`
 * refuses the rest). A new option goes in the group it belongs to, or in its
 * command's builder when only that command takes it.
 */

/** Where the app's data source and scripts are: every command. */
export function targetFlags<T>(y: Argv<T>) {
  return y
    .option("data-source", { alias: "d", type: "string", describe: "file exporting the TypeORM DataSource (default: package.json \"data-script\".dataSource, else ./ormconfig.ts)" })
    .option("scripts", { type: "string", describe: "folder of data scripts (default: package.json \"data-script\".scripts, else ./scripts)" })
    .group(["data-source", "scripts"], "Where:");
}

/** How to reach the database: every command that connects. */
export function databaseFlags<T>(y: Argv<T>) {
  return targetFlags(y)
    .option("embedded", { type: "boolean", default: false, describe: "use the embedded PostgreSQL even under CI (when the data source names no database)" })
    .group(["embedded"], "Where:");
}

/** Machine-readable output. */
export function jsonFlag<T>(y: Argv<T>) {
  return y.option("json", { type: "boolean", default: false, describe: "print a machine-readable result on stdout" }).group(["json"], "Output:");
}

/** `--no-progress` is taken by the commands that show none too (a CI job may pass it to all), unlisted there. */
export function quietProgressFlag<T>(y: Argv<T>) {
  return y.option("progress", { type: "boolean", default: true, hidden: true });
}

/** How a run goes through its chunks: `run` and `revert` (a revert is a run too). */
export function runnerFlags<T>(y: Argv<T>) {
  return jsonFlag(databaseFlags(y))
    .option("workers", { type: "string", describe: "worker processes (default: from the plan's chunks and the machine's cores, said in the summary; 1 runs in-process)" })
    .option("dry-run", { type: "boolean", default: false, describe: "run every chunk and roll it back" })
    .option("restart", { type: "boolean", default: false, describe: "discard a failed or interrupted run's progress instead of resuming it" })
    .option("join", { type: "boolean", default: false, describe: "start the run, or join the one in progress as another participant (another host)" })
    .option("lease", { type: "string", describe: "how long a silent participant keeps its place before the others evict it (default 60s)" })
    .option("pause-ms", { type: "string", describe: "pause between chunks, ms" })
    .option("lock-timeout", { type: "string", describe: "per-chunk lock_timeout, ms (default 5000)" })
    .option("statement-timeout", { type: "string", describe: "per-chunk statement_timeout, ms (default 60000)" })
    .option("chunk-timeout", { type: "string", describe: "per-chunk time limit, ms (default 300000)" })
    .option("max-replication-lag", { type: "string", describe: "hold the run while a standby is further behind than this (default 10s; 0: no check)" })
    .option("progress", { type: "boolean", default: true, describe: "show progress (--no-progress to hide)" })
    .group(["workers", "dry-run", "restart", "join", "lease"], "Run:")
    .group(["pause-ms", "lock-timeout", "statement-timeout", "chunk-timeout", "max-replication-lag"], "Production safety:")
    .group(["progress"], "Output:");
}

/** What only running a script (not reverting one) takes: its inputs, chunking, and what it keeps. */
export function scriptRunFlags<T>(y: Argv<T>) {
  return runnerFlags(y)
    .option("chunk-size", { type: "string", describe: "rows per chunk (overrides the script's chunkSize)" })
    .option("force", { type: "boolean", default: false, describe: "run a completed script again, as a new run" })
    .option("continue-on-error", { type: "boolean", default: false, describe: "record failing rows and chunks and carry on; the run ends failed" })
    .option("undo", { type: "boolean", default: true, describe: "keep before-images for revert (--no-undo: keep none)" })
    .option("param", { type: "string", array: true, default: [], describe: "script parameter key=value (repeatable)" })
    .option("params-file", { type: "string", describe: "a JSON file of script parameters (--param values override it)" })
    .option("input", { type: "string", describe: "the script's input file: CSV or JSON lines, optionally gzipped; - for standard input" })
    .group(["chunk-size", "force", "continue-on-error", "undo"], "Run:")
    .group(["param", "params-file", "input"], "Script inputs:");
}
