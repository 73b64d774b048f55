import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, extname, join, relative, resolve, sep } from "node:path";
import { UsageError } from "../errors";
import { loadErrorMessage } from "../typescript/load-error";
import { registerTypeScript } from "../typescript/register";
import { DataScript } from "./data-script";
import { closestName } from "../settings/did-you-mean";

const SCRIPT_EXTENSIONS = [".ts", ".js", ".mts", ".cts"];

export interface LoadedScript extends ScriptEntry {
  checksum: string;
  script: DataScript;
}

/** A script file in the scripts folder, by name (its file name without extension). */
export interface ScriptEntry {
  name: string;
  file: string;
}

/** Script names in the folder, sorted (the order `run --pending` uses). `shownAs` is how messages name the folder. */
export function listScripts(dir: string, shownAs = dir): ScriptEntry[] {
  const root = resolve(dir);
  if (!existsSync(root)) throw new UsageError(`scripts folder not found: ${shownAs} (pass --scripts <dir>)`);
  return readdirSync(root)
    .filter((f) => SCRIPT_EXTENSIONS.includes(extname(f)) && !f.endsWith(".d.ts") && !f.startsWith("_"))
    .map((f) => ({ name: basename(f, extname(f)), file: join(root, f) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Only files directly inside the scripts folder ever run: a name is a name, not a path. */
export function resolveScript(dir: string, name: string, shownAs = dir): ScriptEntry {
  if (!name || /[\\/]/.test(name) || name.includes("..") || name.includes("\0")) {
    throw new UsageError(`invalid script name "${name}": give the file name of a script in ${shownAs}, without a path`);
  }
  const scripts = listScripts(dir, shownAs);
  const bare = SCRIPT_EXTENSIONS.includes(extname(name)) ? basename(name, extname(name)) : name;
  const found = scripts.find((s) => s.name === bare);
  if (!found) {
    const suggestion = closestName(bare, scripts.map((s) => s.name));
    throw new UsageError(
      `unknown script "${name}" in ${shownAs}` + (suggestion ? `. Did you mean "${suggestion}"?` : scripts.length ? "" : " (the folder has no scripts)"),
    );
  }
  const rel = relative(resolve(dir), found.file);
  if (rel.startsWith("..") || rel.includes(sep)) throw new UsageError(`script ${name} is outside ${shownAs}`);
  return found;
}

export function checksumOf(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** A worker loads the script by its file; its name is the file's. */
export function loadScriptFile(file: string): LoadedScript {
  return loadScript({ name: basename(file, extname(file)), file });
}

export function loadScript(entry: ScriptEntry): LoadedScript {
  registerTypeScript();
  let mod: { default?: unknown } | (new () => DataScript);
  try {
    mod = require(entry.file);
  } catch (error) {
    throw new UsageError(`cannot load script ${entry.name} (${entry.file}): ${loadErrorMessage(error)}`, { cause: error });
  }
  // `export default class …`, or in a CommonJS JavaScript app `module.exports = class … extends DataScript`.
  const Script = (typeof mod === "function" ? mod : mod?.default) as new () => DataScript;
  if (typeof Script !== "function" || !(Script.prototype instanceof DataScript || isDataScriptLike(Script))) {
    throw new UsageError(
      `script ${entry.name} must default-export a class that extends DataScript (export default class … extends DataScript<…> {…}, or module.exports = class … in CommonJS)`,
    );
  }
  const script = new Script();
  if (!script.entity) {
    // `entity = Usr` with a misspelled (or circular) import compiles to `entity = undefined`: say so, not "not set".
    throw new UsageError(
      "entity" in script
        ? `script ${entry.name}: \`entity\` is undefined: check the import of its entity class, which may be misspelled or circular`
        : `script ${entry.name} does not set \`entity\` (the entity class it works on)`,
    );
  }
  if (typeof script.mutate !== "function") throw new UsageError(`script ${entry.name} has no mutate() method`);
  if (!Number.isInteger(script.chunkSize) || script.chunkSize < 1) {
    throw new UsageError(`script ${entry.name}: chunkSize must be a positive integer, got ${String(script.chunkSize)}`);
  }
  if (script.select !== undefined && (script.input !== undefined || typeof script.source === "function")) {
    throw new UsageError(`script ${entry.name} is a source-kind script: \`select\` (the columns a table-kind script loads) does not apply to it`);
  }
  if (script.input !== undefined && typeof script.source === "function") {
    throw new UsageError(`script ${entry.name} declares both source() and input: its inputs come from one or the other`);
  }
  return { ...entry, checksum: checksumOf(entry.file), script };
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
