import { redactSecrets } from "../database/redact";
import { SECRET_PREFIX } from "../script/secret-params";

/**
 * A run's parameters as every report shows them (`status`, `status --json`, `check`): the one
 * masking both go through. A declared secret is already a checksum in the ledger; a value that
 * holds a connection URL's password or a known secret is redacted; a parameter whose name says it
 * is a secret (password, token, apiKey…) but was not declared one is shown as `***`.
 */
const SECRET_NAME = /(pass(word|wd)?|secret|token|api[-_]?key|credentials?)$/i;

export function maskParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, isChecksum(value) ? value : SECRET_NAME.test(key) ? "***" : redactDeep(value)]),
  );
}

function isChecksum(value: unknown): boolean {
  return typeof value === "string" && value.startsWith(SECRET_PREFIX);
}

function redactDeep(value: unknown): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  return value;
}
