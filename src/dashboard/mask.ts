import { redactSecrets } from "../database/redact";

/**
 * Parameter values the browser must never see: those the script declares
 * secret (`static secretParams = ["apiToken"]`), and any whose name looks like
 * a credential even when undeclared. The rest pass through the same masking
 * every output of the runner gets (`status --json`: connection-URL passwords
 * and every password the runner was given).
 */
export const MASK = "••••••";
const CREDENTIAL_NAME = /pass(word|wd)?|secret|token|api[-_]?key|credential|private[-_]?key/i;

export function maskParams(params: Record<string, unknown> | null | undefined, secretKeys: readonly string[]): Record<string, string> | null {
  if (!params) return null;
  const secret = new Set(secretKeys);
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, secret.has(key) || CREDENTIAL_NAME.test(key) ? MASK : redactSecrets(shown(value))]),
  );
}

/** The secret keys a script class declares (`static secretParams`), if any. */
export function declaredSecrets(scriptClass: unknown): string[] {
  const declared = (scriptClass as { secretParams?: unknown } | undefined)?.secretParams;
  return Array.isArray(declared) ? declared.filter((k): k is string => typeof k === "string") : [];
}

function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
}
