/** A mistake in how the runner was called or configured: exit 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Another run of the script holds its lock: exit 3. */
export class ScriptLockedError extends Error {
  override name = "ScriptLockedError";
}
