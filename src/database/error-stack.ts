/**
 * An error's stack trace with its causes' (`Caused by: …`), for the ledger. The
 * runner wraps what a script threw (ScriptError, with the script's error as its
 * cause): the outer stack is the runner's, the cause's names the script's file
 * and line, so both are kept. Works on a plain object too (an error that crossed
 * the worker's process boundary keeps `stack` and `cause` as fields).
 */
export function stackOf(error: unknown): string | undefined {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const stack = (current as { stack?: unknown }).stack;
    if (typeof stack === "string" && stack) parts.push(parts.length ? `Caused by: ${stack}` : stack);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length ? parts.join("\n") : undefined;
}
