import type { StandardSchemaV1 } from "@standard-schema/spec";
import { deserialize, serialize } from "node:v8";
import { UsageError } from "../errors";
import { closestName } from "../settings/did-you-mean";
import { maskSecretParams, registerSecretParams, secretParamNames } from "./secret-params";

/**
 * A script's parameters: declared with any Standard Schema validator (zod,
 * valibot, arktype…), so the package needs no validator of its own. The parent
 * validates them once, before it connects or forks; workers get the validated
 * values as they are (v8-serialised, so Dates and bigints stay what they are).
 */

/** What `ctx.params` holds for a script whose `static params` is `S`: the schema's output type. */
export type ParamsOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : S;

/** The default without a schema: `--param key=value` strings. */
export type UntypedParams = Record<string, string>;

export interface ValidatedParams {
  /** What ctx.params is, in the parent and in every worker. */
  value: unknown;
  /** The same as plain JSON (Dates as ISO strings): stored with the run, shown by `status`, compared on resume. */
  json: Record<string, unknown>;
  /** Declared by a schema: a resumed run must be given the same ones. */
  typed: boolean;
}

export interface ValidateOptions {
  /** `run --pending` gives every script the same parameters, so a key one script does not declare may be another's. */
  allowUnknown?: boolean;
  /** The script's `static secretParams`: validated and passed on, but stored (and compared on resume) as a checksum only. */
  secretParams?: unknown;
}

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as StandardSchemaV1 | null | undefined)?.["~standard"];
  return typeof standard === "object" && standard !== null && standard.version === 1 && typeof standard.validate === "function";
}

/** Validates `raw` (the merged --params-file and --param values) against the script's schema. */
export async function validateParams(script: string, schema: unknown, raw: Record<string, unknown>, options: ValidateOptions = {}): Promise<ValidatedParams> {
  const secret = secretParamNames(script, options.secretParams);
  registerSecretParams(raw, secret);
  if (schema === undefined) {
    const value = untyped(raw);
    return { value, json: maskSecretParams(script, value, secret), typed: false };
  }
  if (!isStandardSchema(schema)) {
    throw new UsageError(`script ${script}: \`static params\` must be a Standard Schema validator (a zod, valibot or arktype object schema)`);
  }
  const result = await validateOrExplain(script, schema, raw);
  if (result.issues) throw new UsageError(`script ${script}: ${result.issues.map((issue) => describeIssue(issue, raw, secret)).join("; ")}`);
  const value = result.value;
  if (!options.allowUnknown && value !== null && typeof value === "object") {
    // A schema that drops a key it does not know (zod's and valibot's default) has not declared it: a typo, most likely.
    // Own keys only: `constructor` or `__proto__` is "in" every object without being declared.
    const declared = Object.keys(value as object);
    const unknown = Object.keys(raw).filter((key) => !Object.hasOwn(value as object, key));
    if (unknown.length) {
      const key = unknown[0];
      const suggestion = closestName(key, declared);
      throw new UsageError(
        `script ${script}: unknown parameter "${key}"` +
          (suggestion ? `. Did you mean "${suggestion}"?` : declared.length ? ` (it declares: ${declared.join(", ")})` : " (it declares none)"),
      );
    }
  }
  return { value, json: maskSecretParams(script, toJson(value), secret), typed: true };
}

/**
 * The schema's verdict. A transform or refinement that throws (rather than reporting an issue)
 * is the script's bug, but it is the parameters that trigger it: a usage error naming the
 * parameter whose value sets it off (found by leaving each one out in turn).
 */
async function validateOrExplain(script: string, schema: StandardSchemaV1, raw: Record<string, unknown>) {
  try {
    return await schema["~standard"].validate(raw);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    let culprit: string | undefined;
    for (const key of Object.keys(raw)) {
      const without = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key));
      try {
        await schema["~standard"].validate(without);
        culprit = key;
        break;
      } catch {
        // still throws without it: not this one
      }
    }
    throw new UsageError(`script ${script}: its parameter schema threw while checking ${culprit ? `parameter ${culprit}` : "the parameters"}: ${message}`, { cause: error });
  }
}

/** `parameter since: Invalid date (got "2024-13-45")`, `missing parameter mode: …`; a secret's value is never quoted. */
function describeIssue(issue: StandardSchemaV1.Issue, raw: Record<string, unknown>, secret: readonly string[] = []): string {
  const path = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
  if (!path.length) return `parameters: ${issue.message}`;
  const name = path.join(".");
  const given = raw[path[0]];
  if (given === undefined && path.length === 1) return `missing parameter ${name}: ${issue.message}`;
  const shown = path.length === 1 && !secret.includes(path[0]) ? ` (got ${JSON.stringify(given)})` : "";
  return `parameter ${name}: ${issue.message}${shown}`;
}

// Without a schema, ctx.params is Record<string, string> as before: a params file's numbers become strings.
function untyped(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Plain JSON for the ledger: Dates as ISO strings (their toJSON), bigints as strings. */
function toJson(value: unknown): Record<string, unknown> {
  const text = JSON.stringify(value ?? {}, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  const parsed = JSON.parse(text) as unknown;
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
}

/** The validated values as a worker receives them (in its settings, once). */
export function encodeParams(value: unknown): string {
  return serialize(value).toString("base64");
}

export function decodeParams(encoded: string): unknown {
  return deserialize(Buffer.from(encoded, "base64"));
}
