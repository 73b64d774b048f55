import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../errors";

/**
 * The app's own settings, set once so that `npx data-script run --pending`
 * needs no flags: a `data-script` key in the app's package.json (the nearest
 * one above the working directory).
 *
 *   "data-script": { "dataSource": "src/data-source.ts", "scripts": "src/data-scripts" }
 *
 * Paths are relative to that package.json. Lookup order, per setting: the
 * command-line flag (or the API option), then this key, then the default
 * (./ormconfig.ts, ./scripts, relative to the working directory).
 * `namespace` (not a path) is the app's name in the ledger; its default is the package's name.
 */
export interface AppConfig {
  dataSource?: string;
  scripts?: string;
  namespace?: string;
  /** The package.json's own "name": the default namespace. */
  packageName?: string;
}

const KEY = "data-script";
const FIELDS = ["dataSource", "scripts", "namespace"] as const;
const PATHS: readonly string[] = ["dataSource", "scripts"];

export function readAppConfig(cwd: string): AppConfig {
  const file = nearestPackageJson(cwd);
  if (!file) return {};
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return {}; // not ours to judge: npm reports a broken package.json
  }
  const packageName = typeof pkg.name === "string" && pkg.name ? pkg.name : undefined;
  const config = pkg[KEY];
  if (config === undefined) return { packageName };
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new UsageError(`${file}: "${KEY}" must be an object such as { "dataSource": "src/data-source.ts", "scripts": "src/data-scripts" }`);
  }
  const result: AppConfig = { packageName };
  for (const [name, value] of Object.entries(config)) {
    if (!(FIELDS as readonly string[]).includes(name)) {
      throw new UsageError(`${file}: unknown "${KEY}" setting "${name}" (known: ${FIELDS.join(", ")})`);
    }
    const path = PATHS.includes(name);
    if (typeof value !== "string" || !value) throw new UsageError(`${file}: "${KEY}".${name} must be ${path ? "a path" : "a non-empty string"}`);
    result[name as (typeof FIELDS)[number]] = path ? resolve(dirname(file), value) : value;
  }
  return result;
}

function nearestPackageJson(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}
