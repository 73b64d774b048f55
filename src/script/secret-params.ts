import { createHash } from "node:crypto";
import { registerSecret } from "../database/redact";
import { UsageError } from "../errors";

/**
 * Secret parameters (`static secretParams = ["apiToken"]`): validated and handed to the
 * workers like any other, but never stored, shown or compared as they are. The ledger keeps
 * `"<secret sha256:1a2b3c4d>"` instead (8 hex digits of a SHA-256 of the script, the name and
 * the value): enough to tell, on resume, that another value was given, and little to guess a
 * strong token from. Their string values are masked like a password in every output and every
 * ledger row of the process (a script's error that quotes one shows `***`).
 */

export const SECRET_PREFIX = "<secret sha256:";

/** The script's declared secret parameter names, checked. */
export function secretParamNames(script: string, declared: unknown): string[] {
  if (declared === undefined) return [];
  if (!Array.isArray(declared) || !declared.every((name) => typeof name === "string" && name !== "")) {
    throw new UsageError(`script ${script}: \`static secretParams\` must be an array of parameter names (static secretParams = ["apiToken"])`);
  }
  return declared;
}

/** The parameters as the ledger stores them: each secret one replaced by its checksum, and its value registered as a secret. */
export function maskSecretParams(script: string, json: Record<string, unknown>, secret: readonly string[]): Record<string, unknown> {
  if (!secret.length) return json;
  const masked = { ...json };
  for (const name of secret) {
    if (!Object.hasOwn(json, name)) continue;
    registerSecretValue(json[name]);
    masked[name] = secretChecksum(script, name, json[name]);
  }
  return masked;
}

export function secretChecksum(script: string, name: string, value: unknown): string {
  const digest = createHash("sha256").update(`data-script secret\0${script}\0${name}\0${JSON.stringify(value)}`).digest("hex");
  return `${SECRET_PREFIX}${digest.slice(0, 8)}>`;
}

/** A worker's copy of the values: masked there too (what it writes to the ledger, what it prints). */
export function registerSecretParams(value: unknown, secret: readonly string[]): void {
  if (value === null || typeof value !== "object") return;
  for (const name of secret) if (Object.hasOwn(value, name)) registerSecretValue((value as Record<string, unknown>)[name]);
}

function registerSecretValue(value: unknown): void {
  if (typeof value === "string") registerSecret(value);
  else if (value !== null && typeof value === "object") for (const inner of Object.values(value)) registerSecretValue(inner);
}
