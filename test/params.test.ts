import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { runScript, UsageError } from "typeorm-data-script";
import { ROOT, runCli, waitFor } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { inputsProject, savedChunks, scratchDir, waitForOrphans } from "./support/inputs";
import { ledgerRuns } from "./support/ledger";

/**
 * Typed parameters: `static params` is a Standard Schema (zod here). Values are validated in the
 * parent before it loads the data source, connects or forks; the validated values reach every
 * worker typed (a Date is a Date), are stored with the run, shown by status, and a resume with
 * other values is refused.
 */
const ROWS = 2_000; // 20 chunks of 100
const GOOD = ["--param", "since=2024-03-01", "--param", "mode=fast"];

describe("typed parameters", () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await inputsProject.database("params");
    await db.query(`INSERT INTO stamps (counter) SELECT 0 FROM generate_series(1, $1)`, [ROWS]);
    dir = scratchDir();
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  const stamps = async () =>
    Object.fromEntries(
      (await db.query<{ stamp: string; counter: number; n: string }>(`SELECT stamp, counter, count(*) n FROM stamps GROUP BY 1, 2`)).map((r) => [
        `${r.stamp}/${r.counter}`,
        Number(r.n),
      ]),
    );

  test("good values: exit 0, every worker gets them typed (a Date, the default 100, the enum); stored with the run and shown by status", async () => {
    const run = await inputsProject.cli(db, ["stamp-rows", ...GOOD, "--workers", "2"]);
    expect(run.stderr).toContain("stamp-rows: completed");
    expect(run.code).toBe(0);
    expect(await stamps()).toEqual({ "2024-03-01 100 fast/1": ROWS });

    const [stored] = await db.query<{ params: unknown; params_typed: boolean }>(`SELECT params, params_typed FROM data_script_runs`);
    expect(stored).toEqual({ params: { since: "2024-03-01T00:00:00.000Z", limit: 100, mode: "fast" }, params_typed: true });
    const status = await inputsProject.cli(db, ["status"]);
    expect(status.stdout).toMatch(/stamp-rows\s+completed.*params: since=2024-03-01T00:00:00.000Z, limit=100, mode=fast/);
    const json = JSON.parse((await inputsProject.cli(db, ["status", "--json"])).stdout);
    expect(json.find((s: { script: string }) => s.script === "stamp-rows").params).toEqual({ since: "2024-03-01T00:00:00.000Z", limit: 100, mode: "fast" });
  });

  describe("bad values exit 2 naming the parameter, before the data source is loaded, anything connects or a worker is forked", () => {
    let server: Server;
    let connections = 0;
    let url: string;
    beforeAll(async () => {
      // DATABASE_URL points here: a run that got as far as connecting would knock.
      server = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `postgres://app@127.0.0.1:${(server.address() as { port: number }).port}/shop`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test.each([
      ["a missing required one", ["--param", "since=2024-03-01"], "data-script: script stamp-rows: missing parameter mode: Invalid option: expected one of \"fast\"|\"careful\""],
      ["a bad date", ["--param", "since=2024-13-45", "--param", "mode=fast"], 'data-script: script stamp-rows: parameter since: Invalid input: expected date, received Date (got "2024-13-45")'],
      ["an unknown key", [...GOOD, "--param", "limt=5"], 'data-script: script stamp-rows: unknown parameter "limt". Did you mean "limit"?'],
      ["a bad integer", [...GOOD, "--param", "limit=1.5"], 'data-script: script stamp-rows: parameter limit: Invalid input: expected int, received number (got "1.5")'],
    ])("%s", async (_, args, message) => {
      const marker = join(dir, "loaded");
      const run = await inputsProject.cli(null, ["stamp-rows", ...args, "--workers", "2"], { env: { DATABASE_URL: url, DATA_SOURCE_MARKER: marker } });
      expect({ code: run.code, stderr: run.stderr.trim() }).toEqual({ code: 2, stderr: message });
      expect(existsSync(marker)).toBe(false); // no process loaded the data source: not the parent, not a worker
      expect(connections).toBe(0);
    });
  });

  test("--params-file: a JSON object of parameters, --param overrides it; a file that is not one is refused", async () => {
    const file = join(dir, "params.json");
    writeFileSync(file, JSON.stringify({ since: "2024-05-06", mode: "careful", limit: 7 }));
    const run = await inputsProject.cli(db, ["stamp-rows", "--params-file", file, "--param", "mode=fast", "--workers", "1"]);
    expect(run.code).toBe(0);
    expect(await stamps()).toEqual({ "2024-05-06 7 fast/1": ROWS });

    writeFileSync(file, "{ since: 2024 }");
    const bad = await inputsProject.cli(db, ["stamp-rows", "--params-file", file, "--force"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`data-script: --params-file ${file} is not valid JSON`);
    writeFileSync(file, "[1, 2]");
    expect((await inputsProject.cli(db, ["stamp-rows", "--params-file", file, "--force"])).stderr).toContain("must hold a JSON object of parameters");
    expect((await inputsProject.cli(db, ["stamp-rows", "--params-file", join(dir, "nope.json")])).stderr).toContain("--params-file not found");
  });

  /** A value that repeats nowhere (pieces swapped or doubled would change its hash), with characters outside ASCII. */
  const longNote = (length: number) => Array.from({ length: length / 8 }, (_, i) => `é${i.toString(36).padStart(6, "0")}`).join("");
  const stampOf = (note: string) => `${note.length} ${createHash("sha256").update(note).digest("hex").slice(0, 16)}/1`;
  const limited = { stackLimitKb: 2048 }; // Linux: 512 KB for a new process's arguments and environment
  const writeLongNote = (length: number) => {
    const note = longNote(length);
    const file = join(dir, "long.json");
    writeFileSync(file, JSON.stringify({ note }));
    return { note, file };
  };

  test("a --params-file value longer than one environment string may be (300 KB) reaches both forked workers whole", async () => {
    const { note, file } = writeLongNote(300_000);
    const run = await inputsProject.cli(db, ["note-rows", "--params-file", file, "--workers", "2", "--json"]);
    expect(run.stderr).not.toContain("E2BIG");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ workers: 2, changed: ROWS });
    expect(await stamps()).toEqual({ [stampOf(note)]: ROWS });
  });

  test("settings larger than the system lets a new process take (a 600 KB parameter under a 512 KB limit): --workers 2 exits 2 saying what to do, nothing recorded; --workers 1 runs it", async () => {
    const { note, file } = writeLongNote(600_000);
    const run = await inputsProject.cli(db, ["note-rows", "--params-file", file, "--workers", "2"], limited);
    expect(run.stderr).toMatch(
      /^data-script: the run's settings for its worker processes \(\d+ KB, mostly its parameters\) are more than this system lets a new process take in its environment \(E2BIG\): run with --workers 1, or pass the path of a file as a parameter and read the file in setup\(\)\n/,
    );
    expect(run.code).toBe(2);
    expect(await ledgerRuns(db, "note-rows")).toEqual([]);
    const one = await inputsProject.cli(db, ["note-rows", "--params-file", file, "--workers", "1"], limited);
    expect(one.code).toBe(0);
    expect(await stamps()).toEqual({ [stampOf(note)]: ROWS });
  });

  test("the same settings with --workers not given, where the plan chose forked workers: the run goes on in one process and says why", async () => {
    const { note, file } = writeLongNote(600_000);
    // 2,000 chunks of one row: enough for a second process even with the database on this machine.
    const run = await inputsProject.cli(db, ["note-rows", "--params-file", file, "--chunk-size", "1", "--json"], limited);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: "completed", workers: 1, changed: ROWS });
    if (availableParallelism() > 1) expect(summary.workersReason).toMatch(/^2000 chunks, .*; but the run's settings are more than this system lets a new process take \(E2BIG\): one process$/);
    expect(await stamps()).toEqual({ [stampOf(note)]: ROWS });
  });

  test("resuming an interrupted run with other parameters exits 2; with the same ones it completes exactly once; --restart starts over", async () => {
    const first = inputsProject.start(db, ["stamp-rows", ...GOOD, "--workers", "2", "--pause-ms", "60"]);
    await waitFor(async () => (await savedChunks(db, "stamp-rows")) >= 4);
    first.child.kill("SIGKILL");
    await first.done;
    await waitForOrphans(db);
    const saved = await savedChunks(db, "stamp-rows");
    expect(saved).toBeLessThan(ROWS / 100);

    const other = await inputsProject.cli(db, ["stamp-rows", "--param", "since=2024-03-01", "--param", "mode=careful"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      `data-script: stamp-rows has an unfinished run (#1, running) started with other parameters: mode "fast" then, "careful" now; ` +
        `resume it with the same parameters, or pass --restart to discard its progress and start over`,
    );
    expect(await savedChunks(db, "stamp-rows")).toBe(saved); // nothing ran

    // The same values, the default given explicitly and the date written another way: the same parameters.
    const same = await inputsProject.cli(db, ["stamp-rows", "--param", "since=2024-03-01T00:00:00Z", "--param", "limit=100", "--param", "mode=fast", "--workers", "2"]);
    expect(same.stderr).toContain("(resumed)");
    expect(same.code).toBe(0);
    expect(await stamps()).toEqual({ "2024-03-01 100 fast/1": ROWS });
    expect((await ledgerRuns(db, "stamp-rows")).map((r) => r.status)).toEqual(["completed"]);
  });

  test("--restart discards an unfinished run started with other parameters and runs with the new ones", async () => {
    const first = inputsProject.start(db, ["stamp-rows", ...GOOD, "--workers", "1", "--pause-ms", "60"]);
    await waitFor(async () => (await savedChunks(db, "stamp-rows")) >= 2);
    first.child.kill("SIGKILL");
    await first.done;
    await waitForOrphans(db);
    const restarted = await inputsProject.cli(db, ["stamp-rows", "--param", "since=2024-03-01", "--param", "mode=careful", "--restart"]);
    expect(restarted.code).toBe(0);
    const runs = await ledgerRuns(db, "stamp-rows");
    expect(runs.map((r) => [r.status, r.error])).toEqual([["failed", "discarded by --restart"], ["completed", null]]);
    // Rows the discarded run had stamped are stamped again (counter 2), every row once by the new run.
    const after = await stamps();
    expect(Object.keys(after).sort()).toEqual(["2024-03-01 100 careful/1", "2024-03-01 100 careful/2"]);
    expect(after["2024-03-01 100 careful/1"] + after["2024-03-01 100 careful/2"]).toBe(ROWS);
  });

  test("a ledger created before parameters were stored gains the columns; its unfinished run resumes", async () => {
    // data_script_runs as an earlier version created it (no params, params_typed, input_name, input_checksum).
    await db.query(`CREATE TABLE data_script_runs (
      id serial PRIMARY KEY, script text NOT NULL, checksum text NOT NULL, status text NOT NULL,
      dry_run boolean NOT NULL DEFAULT false, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
      rows_scanned bigint NOT NULL DEFAULT 0, rows_changed bigint NOT NULL DEFAULT 0, rows_inserted bigint NOT NULL DEFAULT 0,
      rows_skipped bigint NOT NULL DEFAULT 0, rows_conflicted bigint NOT NULL DEFAULT 0, chunks_total integer NOT NULL DEFAULT 0,
      workers integer NOT NULL DEFAULT 1, error text, host text, pid integer)`);
    await db.query(`INSERT INTO data_script_runs (script, checksum, status) VALUES ('stamp-rows', 'old', 'interrupted')`);
    const run = await inputsProject.cli(db, ["stamp-rows", ...GOOD, "--workers", "1"]);
    expect(run.stderr).toContain("stamp-rows: completed — run #1 (resumed)");
    expect(run.code).toBe(0);
    const [row] = await db.query(`SELECT params, params_typed, input_name, input_checksum FROM data_script_runs`);
    expect(row).toEqual({ params: null, params_typed: false, input_name: null, input_checksum: null }); // a resumed run keeps what it was started with
  });

  test("the API validates the same way, with the same message, and takes typed values", async () => {
    const options = { script: "stamp-rows", scripts: "test/fixtures/inputs/scripts", dataSource: "test/fixtures/inputs/ormconfig.ts", workers: 1 };
    await expect(runScript({ ...options, params: { since: "2024-03-01" } })).rejects.toThrow(
      new UsageError('script stamp-rows: missing parameter mode: Invalid option: expected one of "fast"|"careful"'),
    );
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const summary = await runScript({ ...options, params: { since: new Date("2024-07-08T00:00:00Z"), mode: "careful", limit: 3 } });
      expect(summary.status).toBe("completed");
    } finally {
      process.env.DATABASE_URL = saved;
    }
    expect(await stamps()).toEqual({ "2024-07-08 3 careful/1": ROWS });
  });
});

describe("new --with-params / --with-input", () => {
  let scripts: string;
  beforeAll(() => {
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    scripts = mkdtempSync(join(ROOT, ".tmp", "scaffold-"));
  });
  afterAll(() => rmSync(scripts, { recursive: true, force: true }));

  test("outside an app that has zod, new --with-params says to install it", async () => {
    const app = mkdtempSync(join(tmpdir(), "scaffold-no-zod-"));
    try {
      const result = await runCli(["new", "with-params", "--with-params", "--scripts", join(app, "scripts")]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("it imports zod, which this app does not have: npm install zod");
      // This repository has zod: no such line.
      const here = await runCli(["new", "has-zod", "--with-params", "--scripts", scripts]);
      expect(here.stdout).not.toContain("npm install zod");
      rmSync(join(scripts, "has-zod.ts"));
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  test("scaffolds a script with a parameter schema, and one that reads an --input file; both load", async () => {
    expect((await runCli(["new", "with-params", "--with-params", "--scripts", scripts])).code).toBe(0);
    expect((await runCli(["new", "with-input", "--with-input", "--with-params", "--scripts", scripts])).code).toBe(0);
    const params = readFileSync(join(scripts, "with-params.ts"), "utf8");
    expect(params).toContain("static params = params;");
    expect(params).toContain("mutate(row: any, ctx: ScriptContext<typeof params>)");
    const input = readFileSync(join(scripts, "with-input.ts"), "utf8");
    expect(input).toContain("input: InputOptions = {");

    // Filled in as a user would (the entity), the runner loads them and checks their parameters first.
    const entities = JSON.stringify(join(ROOT, "test/fixtures/inputs/entities"));
    for (const name of ["with-params.ts", "with-input.ts"]) {
      const file = join(scripts, name);
      const text = readFileSync(file, "utf8").replace(`// import { User } from "../entities/User";`, `import { Stamp } from ${entities};`);
      writeFileSync(file, text.replace("entity = undefined as any;", "entity = Stamp;"));
    }
    const run = await runCli(["with-params", "--scripts", scripts, "-d", "test/fixtures/inputs/ormconfig.ts", "--param", "mode=sideways"]);
    expect(run.stderr.trim()).toBe(
      'data-script: script with-params: missing parameter since: Invalid input: expected date, received Date; parameter mode: Invalid option: expected one of "merge"|"replace" (got "sideways")',
    );
    const file = await runCli(["with-input", "--scripts", scripts, "-d", "test/fixtures/inputs/ormconfig.ts", "--param", "since=2024-01-01", "--param", "mode=merge"]);
    expect(file.stderr.trim()).toBe("data-script: script with-input reads its inputs from a file: pass --input <file> (CSV or JSON lines, optionally gzipped; - for standard input)");
  });
});
