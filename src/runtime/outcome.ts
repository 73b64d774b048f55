import type { RunStatus } from "../ledger/transitions";

/** How a run that went through its chunks ended, and what the summary says about it. */
export function settle(run: {
  name: string;
  interrupted: boolean;
  /** The first fatal chunk failure, if any. */
  failure?: string;
  /** The --input file could not be read past a line. */
  inputFailure?: string;
  failedChunks: number;
  /** Rows still recorded as failed (--continue-on-error). */
  failedRows: number;
  /** The script inserts every input as a new row: starting over would insert the saved chunks' rows again. */
  insertsRows?: boolean;
}): { status: Exclude<RunStatus, "running">; message?: string } {
  if (run.interrupted) {
    return { status: "interrupted", message: `interrupted: in-flight chunks finished or rolled back; resume with: data-script ${run.name}` };
  }
  if (run.inputFailure && !run.failure) {
    // Safe to follow as written: --restart re-applies the saved chunks, which for plain inserts doubles their rows.
    const over = run.insertsRows
      ? `revert them first (data-script revert ${run.name}), then run the corrected file; resuming needs the same file`
      : `run it with --restart to start over from it (its saved chunks are upserted again, not doubled)`;
    return { status: "failed", message: `${run.inputFailure}\n  the chunks before it are saved; a corrected file is another file: ${over}` };
  }
  if (run.failure) {
    return { status: "failed", message: `${run.failure}\n  fix the script and run it again: saved chunks are kept, the run resumes where it stopped` };
  }
  if (run.failedChunks > 0 || run.failedRows > 0) {
    return {
      status: "failed",
      message:
        `${run.failedRows} row(s) and ${run.failedChunks} chunk(s) failed (--continue-on-error; see data_script_failures); ` +
        `fix the script and run it again to retry them`,
    };
  }
  return { status: "completed" };
}
