import { redactSecrets } from "../database/redact";

/** `--json` output: indented, credentials masked (an error text may quote a connection string). */
export function formatJson(value: unknown): string {
  return redactSecrets(JSON.stringify(value, null, 2));
}
