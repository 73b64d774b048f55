import type { RunSummary } from "../runtime/summary";

/** The CLI's exit codes. */
export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3, interrupted: 130 } as const;

/** The exit code a run's summary stands for. */
export function exitCodeOf(summary: Pick<RunSummary, "status">): number {
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
