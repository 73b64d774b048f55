import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runCli } from "../support/cli";
import type { TestDatabase } from "../support/database";
import { chunkRows, DATA_SOURCE, faultsCli, faultsDatabase, gadgetsChecksum, runRows, SCRIPTS, STACK_FRAME } from "./support";

/**
 * Bad input on the command line or in the project's files: exit 2 (a usage or
 * configuration error), one clear line, no stack trace, and nothing written.
 */
describe("bad input: exit 2, a clear message, nothing written", () => {
  let db: TestDatabase;
  let scratch: string;
  let before: string;

  beforeAll(async () => {
    db = await faultsDatabase("cli_input");
    before = await gadgetsChecksum(db);
    mkdirSync(join(ROOT, ".data"), { recursive: true });
    scratch = mkdtempSync(join(ROOT, ".data", "faults-"));
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await db.drop();
  });

  /** Exit 2, the expected message on stderr, no stack frame, the database untouched. */
  async function expectUsageError(result: { code: number | null; stderr: string; stdout: string }, message: string | RegExp) {
    const expected = typeof message === "string" ? expect.stringContaining(message) : expect.stringMatching(message);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expected });
    expect(result.stderr).toMatch(/^data-script: /);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stdout).toBe("");
    expect(await gadgetsChecksum(db)).toBe(before);
  }

  test("an unknown script: exit 2, with the closest name as a suggestion", async () => {
    await expectUsageError(await faultsCli(db, ["tuoch"]), /unknown script "tuoch" in .*\. Did you mean "touch"\?/);
    const far = await faultsCli(db, ["completely-different-name"]);
    await expectUsageError(far, /unknown script "completely-different-name"/);
    expect(far.stderr).not.toContain("Did you mean");
    const noFolder = await runCli(["touch", "--scripts", "no/such/folder", "-d", DATA_SOURCE], { env: { DATABASE_URL: db.url } });
    await expectUsageError(noFolder, "scripts folder not found: no/such/folder (pass --scripts <dir>)");
  });

  test("run outside the app (no data source, no scripts folder): one message names both and the ways to point at them", async () => {
    const empty = mkdtempSync(join(scratch, "no-app-"));
    for (const args of [["touch"], ["run", "--pending"], ["status"]]) {
      const result = await runCli(args, { cwd: empty, env: { DATABASE_URL: db.url } });
      await expectUsageError(result, `no app found in ${empty}: neither the data source ./ormconfig.ts nor the scripts folder ./scripts exists`);
      expect(result.stderr).toContain(`set "data-script": { "dataSource": "…", "scripts": "…" } in its package.json, or pass -d <file> --scripts <dir>`);
    }
  });

  test("a name with a path separator or `..` is refused: only files inside the scripts folder ever run", async () => {
    const marker = join(scratch, "outside-loaded");
    // ../outside-script.ts exists (a valid DataScript next to the scripts folder) and would write the marker if loaded.
    for (const name of ["../outside-script", "../outside-script.ts", "..", "./touch", "scripts/touch", `${ROOT}/${SCRIPTS}/touch`, "..\\outside-script", "touch/../touch"]) {
      const result = await faultsCli(db, [name], { env: { FAULTS_MARKER: marker } });
      await expectUsageError(result, /invalid script name .*: give the file name of a script in .*, without a path/);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("a file that does not default-export a DataScript class", async () => {
    await expectUsageError(await faultsCli(db, ["not-a-script"]), /script not-a-script must default-export a class that extends DataScript/);
    await expectUsageError(await faultsCli(db, ["no-default-export"]), /script no-default-export must default-export a class that extends DataScript/);
  });

  test("a script with a syntax error: exit 2, the file, the line and a code frame; no compiler backtrace", async () => {
    const dir = join(scratch, "syntax");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "broken.ts"),
      `import { DataScript } from ${JSON.stringify(join(ROOT, "src"))};\nexport default class Broken extends DataScript {\n  entity = Object;\n  mutate(row: any) {\n    row.counter += ;\n  }\n}\n`,
    );
    const result = await runCli(["broken", "--scripts", dir, "-d", DATA_SOURCE], { env: { DATABASE_URL: db.url } });
    await expectUsageError(result, /cannot load script broken \(.*broken\.ts\): syntax error/);
    expect(result.stderr).toContain("row.counter += ;");
    expect(result.stderr).toMatch(/broken\.ts:5:/);
    expect(result.stderr).not.toMatch(/Stack backtrace|Caused by/);
    expect(await runRows(db, "broken")).toEqual([]);
  });

  test("a script with a type error is not type-checked (swc strips types): it runs, and fails at run time on the first row, exit 1, nothing written", async () => {
    const result = await faultsCli(db, ["type-error", "--workers", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("chunk 1 failed: mutate threw on Gadget row 1 (chunk 1): price.toFixed is not a function");
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(await gadgetsChecksum(db)).toBe(before);
    expect((await runRows(db, "type-error")).map((r) => r.status)).toEqual(["failed"]);
    expect((await chunkRows(db, "type-error")).filter((c) => c.status === "saved" || c.status === "done")).toEqual([]);
  });

  test("an unknown flag, and bad --workers / --chunk-size / --param values", async () => {
    await expectUsageError(await faultsCli(db, ["touch", "--wrokers", "2"]), /Unknown argument: wrokers/);
    for (const value of ["0", "-1", "abc", "1.5", ""]) {
      await expectUsageError(await faultsCli(db, ["touch", "--workers", value]), `--workers must be a positive integer, got "${value}"`);
    }
    for (const value of ["0", "-5", "ten"]) {
      await expectUsageError(await faultsCli(db, ["touch", "--chunk-size", value]), `--chunk-size must be a positive integer, got "${value}"`);
    }
    await expectUsageError(await faultsCli(db, ["touch", "--param", "novalue"]), `--param expects key=value, got "novalue"`);
    await expectUsageError(await faultsCli(db, ["touch", "--pause-ms", "soon"]), `--pause-ms must be a whole number of milliseconds, got "soon"`);
    expect(await runRows(db, "touch")).toEqual([]);
  });

  test("--verbose adds the stack trace to a usage error", async () => {
    const result = await faultsCli(db, ["tuoch", "--verbose"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Did you mean "touch"?');
    expect(result.stderr).toMatch(STACK_FRAME);
  });

  describe("the data-source file", () => {
    const withDataSource = (file: string) =>
      runCli(["touch", "--scripts", SCRIPTS, "-d", file, "--no-progress"], { env: { DATABASE_URL: db.url } });

    test("missing", async () => {
      await expectUsageError(await withDataSource("nope/ormconfig.ts"), "data source file not found: nope/ormconfig.ts (pass -d/--data-source <file>)");
    });

    test("with a syntax error: the file, the line and a code frame", async () => {
      const file = join(scratch, "broken-ormconfig.ts");
      writeFileSync(file, `import { DataSource } from "typeorm";\nexport default new DataSource({\n  type: "postgres",\n  url: process.env.DATABASE_URL,\n;\n`);
      const result = await withDataSource(file);
      await expectUsageError(result, /cannot load data source file .*broken-ormconfig\.ts: syntax error/);
      expect(result.stderr).toMatch(/broken-ormconfig\.ts:5:/);
      expect(result.stderr).not.toMatch(/Stack backtrace|Caused by/);
    });

    test("that throws while loading", async () => {
      await expectUsageError(await withDataSource("test/fixtures/faults/data-sources/throws.ts"), /cannot load data source file .*throws\.ts: FAULTS_DB_HOST is not set/);
    });

    test("that exports options instead of a DataSource", async () => {
      await expectUsageError(
        await withDataSource("test/fixtures/faults/data-sources/no-data-source.ts"),
        /no-data-source\.ts does not export a TypeORM DataSource \(export default new DataSource\(\{\.\.\.\}\)\)/,
      );
    });

    test("SQLite (its driver package is not installed): a clear error, not an attempt", async () => {
      const result = await withDataSource("test/fixtures/faults/data-sources/sqlite.ts");
      await expectUsageError(result, /sqlite\.ts uses a database driver that is not installed .*; data-script runs on PostgreSQL only/);
      expect(result.stderr).toContain("SQLite");
    });

    test("another database whose driver loads (CockroachDB, through pg): refused before connecting", async () => {
      await expectUsageError(
        await withDataSource("test/fixtures/faults/data-sources/cockroach.ts"),
        /cockroach\.ts is a "cockroachdb" data source; data-script runs on PostgreSQL \(type: "postgres"\)/,
      );
    });
  });
});
