import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { bin, databaseFields, LINES, npm, npx, packTarball, typeormCopies } from "./support";

/**
 * The package as an app installs it: packed with `npm pack`, installed from the
 * tarball into an app outside the repository that has its own package.json,
 * tsconfig (decorators, a `paths` alias), a data source configured with
 * host/port/username/database fields, an entity whose subscriber records every
 * event in a table, and a scripts folder set once in package.json. Once with
 * TypeORM 0.3 and once with 1.x, from the registry.
 */
const ACCOUNTS = 1_200;

let tarball: string;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "ds-consumer-"));
  tarball = packTarball(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the tarball holds the compiled runtime, its types, the bin and the licence: nothing of test/, bench/ or the demo", () => {
  const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
  expect(files).toEqual(expect.arrayContaining(["package.json", "LICENSE", "README.md", "bin/data-script.js", "dist/index.js", "dist/index.d.ts", "dist/worker/entry.js"]));
  expect(files.filter((f) => !/^(dist\/|bin\/|package\.json$|LICENSE$|README\.md$)/.test(f))).toEqual([]);
  expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  console.log(`packed ${tarball.split("/").at(-1)}: ${(statSync(tarball).size / 1024).toFixed(1)} kB, ${files.length} files`);
});

test("publint and arethetypeswrong find no problem in the tarball", () => {
  const publint = spawnSync(process.execPath, [bin("publint"), "run", tarball, "--strict"], { encoding: "utf8" });
  expect({ code: publint.status, out: publint.stdout + publint.stderr }).toEqual({ code: 0, out: expect.not.stringMatching(/Errors?:|Warnings?:/) });
  // node16 profile: the package needs Node ≥ 20.19, so node10's resolution (no `exports`) does not apply.
  const attw = spawnSync(process.execPath, [bin("@arethetypeswrong/cli", "attw"), tarball, "--profile", "node16", "--format", "json"], { encoding: "utf8" });
  const problems = Object.values(JSON.parse(attw.stdout).problems ?? {}).flat() as { resolutionKind?: string }[];
  expect({ code: attw.status, problems: problems.filter((p) => p.resolutionKind !== "node10") }).toEqual({ code: 0, problems: [] });
});

describe.each(LINES)("an app on TypeORM $line", ({ spec }) => {
  let app: string;
  let db: TestDatabase;
  const env = () => databaseFields(db.url);

  beforeAll(async () => {
    app = join(work, `app-${spec.replace(/\W/g, "-")}`);
    cpSync(join(__dirname, "app"), app, { recursive: true });
    npm(app, ["install", "--no-audit", "--no-fund", tarball, spec, "pg@8", "reflect-metadata@0.2", "typescript@5", "@types/node@20"]);
    db = await createTestDatabase("consumer");
  });
  afterAll(() => db?.drop());

  test("one copy of typeorm in node_modules: the runner uses the app's", () => {
    expect(typeormCopies(join(app, "node_modules"))).toHaveLength(1);
    const ls = JSON.parse(npm(app, ["ls", "typeorm", "--all", "--json"]));
    expect(ls.dependencies["typeorm-data-script"].dependencies.typeorm).toMatchObject({ version: ls.dependencies.typeorm.version });
  });

  test("`data-script new` scaffolds a script that imports the package; filled in, it type-checks against the package's types", () => {
    const created = npx(app, ["data-script", "new", "2025-bump-balances"], {});
    expect(created.code).toBe(0);
    const file = join(app, "src", "data-scripts", "2025-bump-balances.ts");
    expect(readFileSync(file, "utf8")).toContain(`from "typeorm-data-script"`);
    writeFileSync(file, readFileSync(join(__dirname, "bump-balances.ts"), "utf8"));
    const tsc = npx(app, ["tsc", "--noEmit", "-p", "."], {});
    expect({ code: tsc.code, out: tsc.out }).toEqual({ code: 0, out: "" });
  });

  test("`run --pending` with no flags changes every row once, the subscriber sees each row exactly once, and status and check agree", async () => {
    const before = npx(app, ["data-script", "status", "--json"], env());
    expect(before.code).toBe(0); // connecting synchronizes the app's schema
    expect(JSON.parse(before.stdout)).toEqual([
      expect.objectContaining({ script: "2025-bump-balances", status: "pending", description: "Add the bonus to every balance" }),
    ]);
    await db.query(`INSERT INTO accounts (owner, balance) SELECT 'owner ' || g, g FROM generate_series(1, $1) g`, [ACCOUNTS]);

    const run = npx(app, ["data-script", "run", "--pending", "--json", "--param", "bonus=7"], env());
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).runs).toEqual([expect.objectContaining({ script: "2025-bump-balances", status: "completed", changed: ACCOUNTS })]);
    const [balances] = await db.query<{ wrong: string }>(`SELECT count(*) FILTER (WHERE balance <> id + 7) wrong FROM accounts`);
    expect(balances.wrong).toBe("0");
    const events = await db.query<{ kind: string; n: string; ids: string }>(
      `SELECT kind, count(*) n, count(DISTINCT "accountId") ids FROM event_log GROUP BY 1 ORDER BY 1`,
    );
    expect(events).toEqual([
      { kind: "afterUpdate:balance", n: String(ACCOUNTS), ids: String(ACCOUNTS) },
      { kind: "beforeUpdate", n: String(ACCOUNTS), ids: String(ACCOUNTS) },
    ]);

    const status = npx(app, ["data-script", "status", "--json"], env());
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ script: "2025-bump-balances", status: "completed", rowsChanged: ACCOUNTS })]);
    const check = npx(app, ["data-script", "check", "--json"], env());
    expect({ code: check.code, report: JSON.parse(check.stdout) }).toEqual({ code: 0, report: { ok: true, open: [], reverted: [] } });
  });
});
