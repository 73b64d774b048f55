import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, extname, join, relative, resolve, sep } from "node:path";
import { DataScript } from "../data-script";
import { closestName } from "./did-you-mean";
import { UsageError } from "./usage-error";

const SCRIPT_EXTENSIONS = [".ts", ".js", ".mts", ".cts"];

export interface LoadedScript {
  name: string;
  file: string;
  checksum: string;
  script: DataScript;
  description?: string;
}

/** Script names in the folder, sorted (the order `run --pending` uses). */
export function listScripts(dir: string): { name: string; file: string }[] {
  const root = resolve(dir);
  if (!existsSync(root)) throw new UsageError(`scripts folder not found: ${dir} (pass --scripts <dir>)`);
  return readdirSync(root)
    .filter((f) => SCRIPT_EXTENSIONS.includes(extname(f)) && !f.endsWith(".d.ts") && !f.startsWith("_"))
    .map((f) => ({ name: basename(f, extname(f)), file: join(root, f) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Only files directly inside the scripts folder ever run: a name is a name, not a path. */
export function resolveScript(dir: string, name: string): { name: string; file: string } {
  if (!name || /[\\/]/.test(name) || name.includes("..") || name.includes("\0")) {
    throw new UsageError(`invalid script name "${name}": give the file name of a script in ${dir}, without a path`);
  }
  const scripts = listScripts(dir);
  const bare = SCRIPT_EXTENSIONS.includes(extname(name)) ? basename(name, extname(name)) : name;
  const found = scripts.find((s) => s.name === bare);
  if (!found) {
    const suggestion = closestName(bare, scripts.map((s) => s.name));
    throw new UsageError(
      `unknown script "${name}" in ${dir}` + (suggestion ? `. Did you mean "${suggestion}"?` : scripts.length ? "" : " (the folder has no scripts)"),
    );
  }
  const rel = relative(resolve(dir), found.file);
  if (rel.startsWith("..") || rel.includes(sep)) throw new UsageError(`script ${name} is outside ${dir}`);
  return found;
}

export function checksumOf(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

export function loadScript(entry: { name: string; file: string }): LoadedScript {
  let mod: { default?: unknown };
  try {
    mod = require(entry.file);
  } catch (error) {
    throw new UsageError(`cannot load script ${entry.name} (${entry.file}): ${loadErrorMessage(error)}`, { cause: error });
  }
  const Script = mod?.default as (new () => DataScript) & { description?: string };
  if (typeof Script !== "function" || !(Script.prototype instanceof DataScript || isDataScriptLike(Script))) {
    throw new UsageError(
      `script ${entry.name} must default-export a class that extends DataScript (export default class … extends DataScript<…> {…})`,
    );
  }
  const script = new Script();
  if (!script.entity) throw new UsageError(`script ${entry.name} does not set \`entity\` (the entity class it works on)`);
  if (typeof script.mutate !== "function") throw new UsageError(`script ${entry.name} has no mutate() method`);
  if (!Number.isInteger(script.chunkSize) || script.chunkSize < 1) {
    throw new UsageError(`script ${entry.name}: chunkSize must be a positive integer, got ${String(script.chunkSize)}`);
  }
  return { ...entry, checksum: checksumOf(entry.file), script, description: Script.description };
}

// A script may import DataScript from an installed copy of this package rather than from src/.
function isDataScriptLike(cls: { prototype: unknown }): boolean {
  let proto = Object.getPrototypeOf(cls.prototype);
  while (proto) {
    if (proto.constructor?.name === "DataScript") return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

/**
 * What went wrong loading a user's file, for a person: swc's syntax error with its
 * code frame but without the compiler's own "Caused by" and native backtrace, or
 * a missing module without node's require stack.
 */
export function loadErrorMessage(error: unknown): string {
  const raw = (error as Error)?.message ?? String(error);
  const cut = raw.split(/\n\s*(?:Caused by:|Stack backtrace:|Require stack:)/)[0].replace(/\s+$/, "");
  const lines = cut.split("\n");
  const text = lines.length > 20 ? [...lines.slice(0, 20), "   ..."].join("\n") : cut;
  const syntax = /Caused by:\s*\n\s*Syntax Error/.test(raw) || (error as Error)?.name === "SyntaxError";
  return syntax ? `syntax error\n${text}` : text;
}
