/** A mistake in how the runner was called or configured: exit 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}
