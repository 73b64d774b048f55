import type { RunOptions, TargetOptions } from "..";

/** The parsed command line, as yargs hands it over (a repeated single-valued option arrives as an array). */
export interface Flags {
  dataSource?: string | string[];
  scripts?: string | string[];
  workers?: string | string[];
  chunkSize?: string | string[];
  dryRun?: boolean | boolean[];
  force?: boolean | boolean[];
  restart?: boolean | boolean[];
  continueOnError?: boolean | boolean[];
  param?: string[];
  paramsFile?: string | string[];
  input?: string | string[];
  pauseMs?: string | string[];
  lockTimeout?: string | string[];
  statementTimeout?: string | string[];
  chunkTimeout?: string | string[];
  embedded?: boolean | boolean[];
  join?: boolean | boolean[];
  undo?: boolean | boolean[];
  maxReplicationLag?: string | string[];
  lease?: string | string[];
  json?: boolean | boolean[];
  progress?: boolean | boolean[];
  verbose?: boolean | boolean[];
  allowEmpty?: boolean | boolean[];
  namespace?: string | string[];
}

/** A single-valued option given more than once: the last one wins. */
function last<T>(value: T | T[] | undefined): T | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function targetOptions(flags: Flags): TargetOptions {
  return {
    dataSource: last(flags.dataSource),
    scripts: last(flags.scripts),
    embedded: last(flags.embedded),
    verbose: last(flags.verbose),
    namespace: last(flags.namespace),
  };
}

/** Flags as API options, strings as typed: the API validates them, with the same messages for both. */
export function runOptions(flags: Flags): RunOptions {
  return {
    ...targetOptions(flags),
    workers: last(flags.workers),
    chunkSize: last(flags.chunkSize),
    dryRun: last(flags.dryRun),
    force: last(flags.force),
    restart: last(flags.restart),
    continueOnError: last(flags.continueOnError),
    params: flags.param ?? [],
    paramsFile: last(flags.paramsFile),
    input: last(flags.input),
    pauseMs: last(flags.pauseMs),
    lockTimeoutMs: last(flags.lockTimeout),
    statementTimeoutMs: last(flags.statementTimeout),
    chunkTimeoutMs: last(flags.chunkTimeout),
    join: last(flags.join),
    lease: last(flags.lease),
    noUndo: last(flags.undo) === false,
    maxReplicationLag: last(flags.maxReplicationLag),
    allowEmpty: last(flags.allowEmpty),
  };
}

/** A revert takes the run options that make sense for it (the rest are refused by the API as unknown). */
export function revertOptions(flags: Flags): Omit<RunOptions, "force" | "chunkSize" | "continueOnError" | "noUndo" | "allowEmpty"> {
  const { force: _force, chunkSize: _chunkSize, continueOnError: _continueOnError, noUndo: _noUndo, allowEmpty: _allowEmpty, ...options } = runOptions(flags);
  return options;
}

export function isJson(flags: Flags): boolean {
  return last(flags.json) === true;
}

export function showsProgress(flags: Flags): boolean {
  return last(flags.progress) !== false && !isJson(flags);
}
