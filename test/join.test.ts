import { killTree, waitFor, type CliResult } from "./support/cli";
import { AfterSaveCall, Counter, CounterAudit } from "./fixtures/counters/entities";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { counterHistogram, savedChunks } from "./support/counters";

/**
 * Several hosts, one run: independent process trees (each its own process
 * group, as separate machines would be) running `bump --join` against one
 * database. Chunks are pulled with FOR UPDATE SKIP LOCKED, a participant that
 * dies or goes silent past its lease is evicted and its chunks taken over, and
 * the commit of a chunk's data with its ledger mark is the fence: every
 * counter ends at exactly 1, with exactly one audit row.
 */
const hosts = fixtureProject({
  scripts: "test/fixtures/hosts/scripts",
  dataSource: "test/fixtures/counters/ormconfig.ts",
  entities: [Counter, CounterAudit, AfterSaveCall],
});
const N = 12_000; // 48 chunks of 250

async function database(): Promise<TestDatabase> {
  const db = await hosts.database("hosts");
  await db.query(`INSERT INTO counters (id, counter) SELECT g, 0 FROM generate_series(1, $1) g`, [N]);
  return db;
}

function host(db: TestDatabase, workers: number, extra: string[] = []) {
  return hosts.start(db, ["bump", "--join", "--workers", String(workers), ...extra], { detached: true, timeoutMs: 180_000 });
}

async function participants(db: TestDatabase) {
  return db.query<{ label: string; state: string }>(`SELECT label, state FROM data_script_participants ORDER BY id`);
}

async function afterSaveCoverage(db: TestDatabase) {
  const [row] = await db.query<{ chunks: string; covered: string }>(
    `SELECT (SELECT count(*) FROM data_script_chunks) chunks, (SELECT count(DISTINCT "chunkNo") FROM after_save_calls) covered`,
  );
  return row;
}

async function runRows(db: TestDatabase) {
  return db.query<{ status: string; finished_by: number | null }>(`SELECT status, finished_by FROM data_script_runs WHERE script = 'bump' ORDER BY id`);
}

describe("several hosts, one run (--join)", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await database();
  });
  afterEach(() => db.drop());

  test("three hosts; one is SIGKILLed with its workers mid-run: the two others finish it, every counter exactly 1, afterSave for every chunk, completed once", async () => {
    const a = host(db, 2, ["--param", "sleepMs=120"]);
    const b = host(db, 1, ["--param", "sleepMs=120"]);
    const c = host(db, 2, ["--param", "sleepMs=120"]);
    await waitFor(async () => (await participants(db)).length === 3 && (await savedChunks(db, "bump")) >= 8);
    killTree(c.child, "SIGKILL");
    const [ra, rb] = await Promise.all([a.done, b.done]);
    await c.done;

    for (const result of [ra, rb]) {
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("bump: completed") });
      expect(result.stderr).toMatch(/the run, 3 participants: 12000 scanned, 12000 changed/);
    }
    const labels = (await participants(db)).map((p) => p.label);
    expect(new Set(labels).size).toBe(3);
    expect(await counterHistogram(db)).toEqual({ counters: { 1: N }, audit: { rows: String(N), distinct_ids: String(N), wrong: "0" } });
    const coverage = await afterSaveCoverage(db);
    expect(coverage.covered).toBe(coverage.chunks); // at least once per chunk, the killed host's owed ones too
    const runs = await runRows(db);
    expect(runs).toEqual([{ status: "completed", finished_by: expect.any(Number) }]);
  });

  test("a host paused (SIGSTOP) past a short lease is evicted; the others finish; resumed (SIGCONT), it commits nothing and exits non-zero, saying so", async () => {
    const lease = ["--lease", "3s", "--param", "sleepMs=200"];
    const a = host(db, 1, lease);
    const b = host(db, 1, lease);
    const paused = host(db, 1, lease);
    await waitFor(async () => (await participants(db)).length === 3 && (await savedChunks(db, "bump")) >= 4);
    killTree(paused.child, "SIGSTOP");
    await waitFor(async () => (await participants(db)).some((p) => p.state === "evicted"), 60_000);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const before = await counterHistogram(db);
    killTree(paused.child, "SIGCONT");
    const rp: CliResult = await paused.done;
    expect(rp.code).not.toBe(0);
    expect(rp.stderr).toContain("was evicted");
    expect(before).toEqual({ counters: { 1: N }, audit: { rows: String(N), distinct_ids: String(N), wrong: "0" } });
    expect(await counterHistogram(db)).toEqual(before);
    expect(await runRows(db)).toEqual([{ status: "completed", finished_by: expect.any(Number) }]);
  });

  test("a chunk whose mutate fails on its first attempt is retried, by any host, and the run completes", async () => {
    const results = await Promise.all([1, 2, 2].map((w) => host(db, w, ["--param", "failOnce=5"]).done));
    expect(results.map((r) => ({ code: r.code, stderr: r.code ? r.stderr : "" }))).toEqual([0, 0, 0].map((code) => ({ code, stderr: "" })));
    const [chunk] = await db.query<{ attempts: number; status: string }>(`SELECT attempts, status FROM data_script_chunks WHERE chunk_no = 5`);
    expect(chunk).toEqual({ attempts: 2, status: "done" }); // one failed attempt, one that saved
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });

  test("a script error that always throws stops all three hosts: exit 1, the row named by each", async () => {
    const results = await Promise.all([1, 2, 2].map((w) => host(db, w, ["--param", "failAlways=2600"]).done));
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("mutate threw on Counter row 2600 (chunk 11): row 2600 is poisoned");
    }
    expect(await runRows(db)).toEqual([{ status: "failed", finished_by: expect.any(Number) }]);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM counters WHERE counter > 1`);
    expect(n).toBe("0");
  });

  test("without --join, a second start while a joined run is in progress exits 3 and names --join; --join on a completed script does nothing, exit 0", async () => {
    const first = host(db, 1, ["--param", "sleepMs=100"]);
    await waitFor(async () => (await savedChunks(db, "bump")) >= 1);
    const second = await hosts.cli(db, ["bump", "--workers", "1"]);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain("bump is already running");
    expect(second.stderr).toContain("--join");
    expect((await first.done).code).toBe(0);
    const late = await hosts.cli(db, ["bump", "--join", "--workers", "1"]);
    expect(late.code).toBe(0);
    expect(late.stderr).toContain("nothing to join");
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });
});
