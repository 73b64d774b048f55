import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UsageError } from "../runner/usage-error";

const TEMPLATE = (className: string, importFrom: string) => `import { DataScript, type ScriptContext } from "${importFrom}";
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

/** `data-script new <name>`: writes scripts/<name>.ts from the template. */
export function scaffoldScript(scriptsDir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UsageError(`invalid script name "${name}": use letters, digits, dots, dashes and underscores (e.g. 2024-backfill-emails)`);
  }
  const dir = resolve(scriptsDir);
  const file = join(dir, `${name}.ts`);
  if (existsSync(file)) throw new UsageError(`${relative(process.cwd(), file)} already exists`);
  mkdirSync(dir, { recursive: true });
  const className = name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/^\d+/, "");
  const srcDir = resolve(__dirname, "..");
  let importFrom = relative(dir, srcDir).split("\\").join("/");
  if (!importFrom.startsWith(".")) importFrom = `./${importFrom}`;
  writeFileSync(file, TEMPLATE(className || "Script", importFrom));
  return file;
}
