import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UsageError } from "../errors";
import { resolveTargetSettings, type TargetOptions } from "../settings/settings";

/** The package's own name: a scaffolded script imports the runner the way an app does. */
const PACKAGE_NAME: string = require("../../package.json").name;

export interface ScaffoldOptions extends Pick<TargetOptions, "scripts" | "cwd"> {
  /** Declare parameters with a schema (the template uses zod; any Standard Schema validator works). */
  withParams?: boolean;
  /** A source-kind script that reads an `--input` file (CSV or JSON lines) instead of a table. */
  withInput?: boolean;
}

const PARAMS = `
// Any Standard Schema validator works (zod, valibot, arktype): validated before the run starts.
const params = z.object({
  since: z.coerce.date(), // --param since=2024-01-01
  limit: z.coerce.number().int().positive().default(1_000), // optional: a default
  mode: z.enum(["merge", "replace"]),
});
`;

function template(className: string, options: ScaffoldOptions): string {
  const ctx = options.withParams ? "ScriptContext<typeof params>" : "ScriptContext";
  const imports = [
    `import { DataScript, type ScriptContext${options.withInput ? ", type InputOptions" : ""} } from "${PACKAGE_NAME}";`,
    ...(options.withParams ? [`import { z } from "zod";`] : []),
    `// import { User } from "../entities/User";`,
  ].join("\n");
  const head = `  static description = "Describe what this script changes";${options.withParams ? "\n  static params = params;" : ""}
  entity = undefined as any; // the entity class, e.g. User
  chunkSize = 1_000;`;
  const body = options.withInput
    ? `${head}
  // upsertOn = ["externalId"]; // update the rows whose key exists, insert the others

  // data-script <name> --input feed.csv (or .jsonl, .csv.gz, - for standard input): one header row, then one input per line
  input: InputOptions = { columns: { /* credit: "integer", joinedAt: "date" */ } };

  mutate(row: Record<string, any>, ctx: ${ctx}) {
    // return the entity to write for this line: ctx.manager.create(User, { ... }); or false to skip it
  }`
    : `${head}

  // where(qb) { return qb.where("row.isActive = :a", { a: true }); }

  async setup(ctx: ${ctx}) {}

  mutate(row: any, ctx: ${ctx}) {
    // change row in place; return false to skip it
  }

  async afterSave(rows: any[], ctx: ${ctx}) {}`;
  return `${imports}
${options.withParams ? PARAMS : ""}
export default class ${className} extends DataScript</* Entity */ any> {
${body}
}
`;
}

/** `data-script new <name>`: writes <scripts folder>/<name>.ts from the template; returns its path. */
export function scaffoldScript(name: string, options: ScaffoldOptions = {}): string {
  const { withParams, withInput, ...target } = options;
  const { scripts, cwd } = resolveTargetSettings(target);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UsageError(`invalid script name "${name}": use letters, digits, dots, dashes and underscores (e.g. 2024-backfill-emails)`);
  }
  const dir = resolve(cwd, scripts);
  const file = join(dir, `${name}.ts`);
  if (existsSync(file)) throw new UsageError(`${relative(cwd, file)} already exists`);
  mkdirSync(dir, { recursive: true });
  const className = name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/^\d+/, "");
  writeFileSync(file, template(className || "Script", { withParams, withInput }));
  return file;
}
