import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UsageError } from "../errors";
import { resolveTargetSettings, type TargetOptions } from "../settings/settings";
import { detectAppStyle, type AppStyle } from "./app-style";

/** The package's own name: a scaffolded script imports the runner the way an app does. */
const PACKAGE_NAME: string = require("../../package.json").name;

export interface ScaffoldOptions extends Pick<TargetOptions, "scripts" | "cwd" | "dataSource"> {
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

interface Template extends ScaffoldOptions {
  style: AppStyle;
}

function template(className: string, options: Template): string {
  const { style } = options;
  const ts = style.language === "ts";
  // TypeScript without noImplicitOverride accepts `override` too, but only apps that ask for it get the noise.
  const o = ts && style.override ? "override " : "";
  const type = (t: string) => (ts ? t : "");
  const ctx = options.withParams ? "ScriptContext<typeof params>" : "ScriptContext";
  const entityPath = `../entities/User${style.esm ? ".js" : ""}`;
  const imports = !ts
    ? style.esm
      ? [`import { DataScript } from "${PACKAGE_NAME}";`, `// import { User } from "${entityPath}";`]
      : [`const { DataScript } = require("${PACKAGE_NAME}");`, `// const { User } = require("../entities/User");`]
    : [
        `import { DataScript, type ScriptContext${options.withInput ? ", type InputOptions" : ""} } from "${PACKAGE_NAME}";`,
        ...(options.withParams ? [`import { z } from "zod";`] : []),
        `// import { User } from "${entityPath}";`,
      ];
  const head = `  static ${o}description = "Describe what this script changes";${options.withParams ? `\n  static ${o}params = params;` : ""}
  entity = undefined${type(" as any")}; // the entity class, e.g. User
  ${o}chunkSize = 1_000;`;
  const body = options.withInput
    ? `${head}
  // ${o}upsertOn = ["externalId"]; // update the rows whose key exists, insert the others

  // data-script <name> --input feed.csv (or .jsonl, .csv.gz, - for standard input): one header row, then one input per line
  ${o}input${type(": InputOptions")} = { columns: { /* credit: "integer", joinedAt: "date" */ } };

  mutate(row${type(": Record<string, any>")}, ctx${type(`: ${ctx}`)}) {
    // return the entity to write for this line: ctx.manager.create(User, { ... }); or false to skip it
  }`
    : `${head}

  // Table kind (this one): mutate() gets each row of \`entity\`, in primary-key order, chunk by chunk.
  // Source kind: yield the inputs instead, and mutate() returns the new entity for each (bulk-inserted):
  //   ${o}*source(ctx${type(`: ${ctx}`)}) { for (let n = 1; n <= 1_000; n++) yield { n }; }
  //   mutate({ n }${type(": { n: number }")}, ctx${type(`: ${ctx}`)}) { return ctx.manager.create(User, { name: \`user \${n}\` }); }
  // (or declare \`input\` to read the inputs from a CSV / JSON-lines file: data-script new <name> --with-input)

  // ${o}where(qb${type(": any")}) { return qb.where("row.isActive = :a", { a: true }); }

  ${o}async setup(ctx${type(`: ${ctx}`)}) {}

  mutate(row${type(": any")}, ctx${type(`: ${ctx}`)}) {
    // change row in place; return false to skip it
  }

  ${o}async afterSave(rows${type(": any[]")}, ctx${type(`: ${ctx}`)}) {}`;
  const declaration = ts
    ? `export default class ${className} extends DataScript</* Entity */ any>`
    : style.esm
      ? `export default class ${className} extends DataScript`
      : `module.exports = class ${className} extends DataScript`;
  return `${imports.join("\n")}
${options.withParams && ts ? PARAMS : ""}
${declaration} {
${body}
}${ts || style.esm ? "" : ";"}
`;
}

/** `data-script new <name>`: writes <scripts folder>/<name>.ts (.js in a JavaScript app) from the template; returns its path. */
export function scaffoldScript(name: string, options: ScaffoldOptions = {}): string {
  const { withParams, withInput, ...target } = options;
  const { scripts, cwd, dataSource } = resolveTargetSettings(target);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UsageError(`invalid script name "${name}": use letters, digits, dots, dashes and underscores (e.g. 2024-backfill-emails)`);
  }
  const dir = resolve(cwd, scripts);
  const style = detectAppStyle(dir, dataSource);
  const file = join(dir, `${name}.${style.language}`);
  if (existsSync(file)) throw new UsageError(`${relative(cwd, file)} already exists`);
  if (style.language === "js" && withParams) {
    throw new UsageError(`--with-params writes a TypeScript schema; in a JavaScript app declare \`static params\` with your validator by hand`);
  }
  mkdirSync(dir, { recursive: true });
  const className = name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/^\d+/, "");
  writeFileSync(file, template(className || "Script", { withParams, withInput, style }));
  return file;
}
