import { formatSummary, runPending, runScript, scriptStatuses, UsageError, type RunSummary } from "typeorm-data-script";
import { spawnSync } from "node:child_process";
import { ROOT, runCli } from "./support/cli";
import { counterHistogram, countersDatabase } from "./support/counters";
import type { TestDatabase } from "./support/database";

/**
 * The public API, called in-process as a program would: everything the CLI
 * does goes through these functions, with the same defaults and messages.
 */
const PROJECT = { scripts: "test/fixtures/counters/scripts", dataSource: "test/fixtures/counters/ormconfig.ts" };
const N = 3_000;

describe("runScript validates its options with the CLI's messages, before anything starts", () => {
  test.each([
    [{ chunkSize: -5 }, ["--chunk-size", "-5"], '--chunk-size must be a positive integer, got "-5"'],
    [{ chunkSize: 0 }, ["--chunk-size", "0"], '--chunk-size must be a positive integer, got "0"'],
    [{ workers: 0 }, ["--workers", "0"], '--workers must be a positive integer, got "0"'],
    [{ workers: 1.5 }, ["--workers", "1.5"], '--workers must be a positive integer, got "1.5"'],
    [{ pauseMs: "soon" }, ["--pause-ms", "soon"], '--pause-ms must be a whole number of milliseconds, got "soon"'],
  ])("%j", async (options, flags, message) => {
    await expect(runScript({ script: "increment", ...PROJECT, ...options })).rejects.toThrow(new UsageError(message));
    const cli = await runCli(["increment", "--scripts", PROJECT.scripts, "-d", PROJECT.dataSource, ...flags]);
    expect({ code: cli.code, stderr: cli.stderr.trim() }).toEqual({ code: 2, stderr: `data-script: ${message}` });
  });

  test("an unknown option name is refused, with the closest known one", async () => {
    await expect(runScript({ script: "increment", ...PROJECT, chunkSzie: 10 } as never)).rejects.toThrow('unknown option "chunkSzie". Did you mean "chunkSize"?');
  });
});

describe("runScript, runPending and scriptStatuses in-process", () => {
  let db: TestDatabase;
  const savedUrl = process.env.DATABASE_URL;
  beforeAll(async () => {
    db = await countersDatabase(N);
    process.env.DATABASE_URL = db.url; // the fixture's data source reads it when loaded
  });
  afterAll(async () => {
    process.env.DATABASE_URL = savedUrl;
    await db.drop();
  });

  test("runScript runs a script in this process (--workers 1) and resolves to its summary; a second call skips it", async () => {
    const summary = await runScript({ script: "increment", ...PROJECT, workers: 1, chunkSize: 700 });
    expect(summary).toMatchObject<Partial<RunSummary>>({ script: "increment", status: "completed", scanned: N, changed: N, chunks: 5, chunksTotal: 5, workers: 1 });
    expect(summary.pids).toEqual([process.pid]);
    expect(formatSummary(summary)).toContain("increment: completed");
    expect(await counterHistogram(db)).toEqual({ counters: { 1: N }, audit: { rows: String(N), distinct_ids: String(N), wrong: "0" } });

    const again = await runScript({ script: "increment", ...PROJECT, workers: 1 });
    expect(again).toMatchObject({ status: "skipped", message: expect.stringContaining("already completed") });
  });

  test("the script's own object is never written: chunkSize from the options applies to that run only", async () => {
    const summary = await runScript({ script: "increment", ...PROJECT, workers: 1, force: true });
    expect(summary).toMatchObject({ status: "completed", chunksTotal: N / 500 }); // the script's chunkSize, 500
  });

  test("a program (a plain Node process) calling runScript with two worker processes", async () => {
    // Outside jest's module sandbox, as an app's own program runs it (jest cannot import() Tinypool, an ES module).
    const program = `
      const { runScript } = require("typeorm-data-script");
      runScript({ script: "increment", ...${JSON.stringify(PROJECT)}, workers: 2, force: true })
        .then((summary) => console.log(JSON.stringify(summary)), (error) => { console.error(error); process.exit(1); });`;
    const child = spawnSync(process.execPath, ["-e", program], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DATABASE_URL: db.url } });
    expect(child.stderr).toBe("");
    const summary = JSON.parse(child.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: "completed", changed: N, workers: 2 });
    expect(summary.pids).toHaveLength(2);
    expect(summary.pids).not.toContain(child.pid);
    expect((await counterHistogram(db)).counters).toEqual({ 3: N });
  });

  test("scriptStatuses lists every script with its latest run; runPending runs the ones not completed and reports each", async () => {
    const statuses = await scriptStatuses(PROJECT);
    expect(statuses.find((s) => s.script === "increment")).toMatchObject({ status: "completed", rowsChanged: N });
    const pending = statuses.filter((s) => s.status !== "completed").map((s) => s.script);
    expect(pending.length).toBeGreaterThan(0);

    const reported: string[] = [];
    const runs = await runPending({ ...PROJECT, workers: 1, onSummary: (s) => reported.push(s.script) });
    expect(runs.map((r) => r.script)).toEqual(reported);
    expect(runs[0].script).toBe(pending[0]); // name order, completed ones skipped
  });
});
