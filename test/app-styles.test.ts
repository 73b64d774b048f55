import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runCli } from "./support/cli";
import { createTestDatabase, type TestDatabase } from "./support/database";

/**
 * `data-script new` writes what the app's own tools accept: the module style of the app
 * (ESM: the `.js` import suffix; plain JavaScript: CommonJS or ESM syntax), `override`
 * where the tsconfig sets noImplicitOverride, and both script kinds shown. A script whose
 * entity import is misspelled is refused with a message that says so.
 */
let work: string;
beforeAll(() => {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  work = mkdtempSync(join(ROOT, ".tmp", "app-styles-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function app(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const tsconfig = (options: Record<string, unknown> = {}) => JSON.stringify({ compilerOptions: { strict: true, experimentalDecorators: true, ...options } });

test("a CommonJS TypeScript app: imports without a suffix, no override, the table kind with the source kind commented", async () => {
  const dir = app("ts-cjs", { "package.json": `{"data-script": {"dataSource": "src/data-source.ts", "scripts": "src/data-scripts"}}`, "tsconfig.json": tsconfig() });
  const created = await runCli(["new", "2025-fix"], { cwd: dir });
  expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining("2025-fix.ts") });
  const text = readFileSync(join(dir, "src/data-scripts/2025-fix.ts"), "utf8");
  expect(text).toContain(`// import { User } from "../entities/User";`);
  expect(text).toContain("export default class Fix extends DataScript");
  expect(text).toContain("  chunkSize = 1_000;");
  expect(text).toMatch(/\/\/ Source kind: .*\n\s*\/\/\s+\*source\(ctx: ScriptContext\)/);
  expect(text).not.toContain("override");
});

test("an ESM app with noImplicitOverride: the `.js` suffix, and `override` on what DataScript declares", async () => {
  const dir = app("ts-esm", {
    "package.json": `{"type": "module", "data-script": {"dataSource": "src/data-source.ts", "scripts": "src/data-scripts"}}`,
    "tsconfig.json": tsconfig({ module: "NodeNext", noImplicitOverride: true }),
  });
  expect((await runCli(["new", "2025-fix", "--with-params"], { cwd: dir })).code).toBe(0);
  const text = readFileSync(join(dir, "src/data-scripts/2025-fix.ts"), "utf8");
  expect(text).toContain(`// import { User } from "../entities/User.js";`);
  expect(text).toContain(`static override description =`);
  expect(text).toContain(`static override params = params;`);
  expect(text).toContain(`  override chunkSize = 1_000;`);
  expect(text).toContain(`  override async setup(ctx: ScriptContext<typeof params>) {}`);
  expect(text).toContain(`  mutate(row: any, ctx: ScriptContext<typeof params>) {`);
});

test("a plain JavaScript app: a .js script, CommonJS or ESM syntax by the package's type", async () => {
  const cjs = app("js-cjs", { "package.json": `{"data-script": {"dataSource": "data-source.js", "scripts": "data-scripts"}}` });
  expect((await runCli(["new", "2025-fix"], { cwd: cjs })).code).toBe(0);
  const text = readFileSync(join(cjs, "data-scripts/2025-fix.js"), "utf8");
  expect(text).toContain(`const { DataScript } = require("typeorm-data-script");`);
  expect(text).toContain("module.exports = class Fix extends DataScript {");
  expect(text).not.toMatch(/: any|ScriptContext|override/);
  // Valid JavaScript as written.
  expect(spawnSync(process.execPath, ["--check", join(cjs, "data-scripts/2025-fix.js")], { encoding: "utf8" }).stderr).toBe("");

  const esm = app("js-esm", { "package.json": `{"type": "module", "data-script": {"dataSource": "data-source.js", "scripts": "data-scripts"}}` });
  expect((await runCli(["new", "2025-fix"], { cwd: esm })).code).toBe(0);
  const esmText = readFileSync(join(esm, "data-scripts/2025-fix.js"), "utf8");
  expect(esmText).toContain(`import { DataScript } from "typeorm-data-script";`);
  expect(esmText).toContain(`// import { User } from "../entities/User.js";`);
  expect(esmText).toContain("export default class Fix extends DataScript {");
});

describe("a script whose entity import is misspelled", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("styles");
  });
  afterAll(() => db.drop());

  test("is refused saying `entity` is undefined and its import may be misspelled or circular", async () => {
    const entities = JSON.stringify(join(ROOT, "test/fixtures/inputs/entities"));
    const dir = app("misspelled", {
      "scripts/2025-typo.ts": `import { DataScript } from "typeorm-data-script";
import { Partnr } from ${entities};
export default class Typo extends DataScript<any> {
  entity = Partnr;
  mutate() {}
}
`,
    });
    const run = await runCli(["2025-typo", "--scripts", join(dir, "scripts"), "-d", "test/fixtures/inputs/ormconfig.ts"], { env: { DATABASE_URL: db.url } });
    expect({ code: run.code, stderr: run.stderr.trim() }).toEqual({
      code: 2,
      stderr: "data-script: script 2025-typo: `entity` is undefined: check the import of its entity class, which may be misspelled or circular",
    });
  });
});
