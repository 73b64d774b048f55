import { BulkWriteError } from "../bulk/errors";
import type { ChunkError } from "../messages";
import { stackOf } from "./error-stack";

// PostgreSQL SQLSTATEs worth retrying: the same chunk may well succeed next time.
const RETRYABLE_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "57P01", // admin_shutdown (pg_terminate_backend)
  "08000", "08003", "08006", "08001", "08004", // connection exceptions
]);
const RETRYABLE_NODE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);

/**
 * What a chunk's failure is and whether trying the chunk again may mend it.
 * Retried (by any participant, after a back-off): what the database says may
 * pass (deadlock, serialization, lock timeout, a lost connection) and an error
 * the script's own code threw (mutate, a subscriber: an external call that
 * failed once). Not retried: a value the database refuses (SQLSTATE 22/23), a
 * statement it cannot run, what the bulk writer refuses, a script breaking the
 * runner's contract, a chunk past its time limit.
 */
export function classifyError(error: unknown): ChunkError {
  const err = error as { message?: string; code?: string; column?: string; detail?: string; name?: string; retryable?: boolean };
  const message = err?.message ?? String(error);
  const stack = stackOf(error);
  if (err?.code === "CHUNK_TIMEOUT") return { message, kind: "timeout", retryable: false, stack };
  if (error instanceof BulkWriteError || err?.name === "BulkWriteError") return { message, kind: "script", retryable: false, stack };
  if (err?.name === "ScriptError" || error?.constructor?.name === "ScriptError") return { message, kind: "script", retryable: err.retryable === true, stack };
  const code = err?.code ?? "";
  const transient =
    RETRYABLE_CODES.has(code) ||
    err?.name === "QueryRunnerAlreadyReleasedError" || // TypeORM released the runner after its connection died
    RETRYABLE_NODE_CODES.has(code) ||
    /Connection terminated|connection.*(closed|ended)|terminating connection|encountered a connection error/i.test(message);
  const isDatabase = /^[0-9A-Z]{5}$/.test(code) || transient;
  const detail = [err?.detail, err?.column ? `column ${err.column}` : undefined].filter(Boolean).join("; ");
  return {
    message: detail ? `${message} (${detail})` : message,
    kind: isDatabase ? "database" : "script",
    retryable: isDatabase ? transient : true,
    ...(/^[0-9A-Z]{5}$/.test(code) ? { code } : {}),
    stack,
  };
}

/** The database connection went away (killed, server restarted, network): not the script's fault. */
export function isConnectionLoss(error: unknown): boolean {
  const err = error as { code?: string; name?: string };
  if (err?.name === "UsageError" || err?.code === "CHUNK_TIMEOUT") return false;
  const classified = classifyError(error);
  return classified.kind === "database" && classified.retryable && !/^(40001|40P01|55P03)$/.test(err?.code ?? "");
}
