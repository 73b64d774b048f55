import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UsageError } from "../errors";
import { resolveTargetSettings, type TargetOptions } from "../settings/settings";

/** The package's own name: a scaffolded script imports the runner the way an app does. */
const PACKAGE_NAME: string = require("../../package.json").name;

const TEMPLATE = (className: string) => `import { DataScript, type ScriptContext } from "${PACKAGE_NAME}";
// import { User } from "../entities/User";

export default class ${className} extends DataScript</* Entity */ any> {
  static description = "Describe what this script changes";
  entity = undefined as any; // the entity class, e.g. User
  chunkSize = 1_000;

  // where(qb) { return qb.where("row.isActive = :a", { a: true }); }

  async setup(ctx: ScriptContext) {}

  mutate(row: any, ctx: ScriptContext) {
    // change row in place; return false to skip it
  }

  async afterSave(rows: any[], ctx: ScriptContext) {}
}
`;

/** `data-script new <name>`: writes <scripts folder>/<name>.ts from the template; returns its path. */
export function scaffoldScript(name: string, options: Pick<TargetOptions, "scripts" | "cwd"> = {}): string {
  const { scripts, cwd } = resolveTargetSettings(options);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UsageError(`invalid script name "${name}": use letters, digits, dots, dashes and underscores (e.g. 2024-backfill-emails)`);
  }
  const dir = resolve(cwd, scripts);
  const file = join(dir, `${name}.ts`);
  if (existsSync(file)) throw new UsageError(`${relative(cwd, file)} already exists`);
  mkdirSync(dir, { recursive: true });
  const className = name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/^\d+/, "");
  writeFileSync(file, TEMPLATE(className || "Script"));
  return file;
}
