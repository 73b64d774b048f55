import { isConnectionLoss } from "../database/classify-error";
import { redactSecrets } from "../database/redact";
import { UsageError } from "../errors";
import { EXIT } from "./exit-codes";

/**
 * What a command that threw prints and exits with: a usage or configuration
 * error exits 2 without a stack trace; a lost connection says that nothing is
 * half-written and how to resume; anything else exits 1.
 */
export function describeError(error: unknown, verbose: boolean): { exitCode: number; text: string } {
  const err = error as Error;
  const message = redactSecrets(err?.message ?? String(error));
  const stack = verbose && err?.stack ? `\n${redactSecrets(err.stack)}` : "";
  if (error instanceof UsageError || err?.name === "UsageError" || err?.name === "YError") {
    return { exitCode: EXIT.usage, text: `data-script: ${message}${stack}` };
  }
  const text = isConnectionLoss(error)
    ? `data-script: lost the connection to the database (${message}). Each chunk commits whole, so nothing is half-written; ` +
      `run the same command again to resume where it stopped`
    : `data-script: ${message}`;
  return { exitCode: EXIT.failed, text: text + (stack || "\n(run with --verbose for the stack trace)") };
}
