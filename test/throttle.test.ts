import { Client } from "pg";
import { AfterSaveCall, Counter, CounterAudit } from "./fixtures/counters/entities";
import { runCli, startCli, waitFor } from "./support/cli";
import { counterHistogram } from "./support/counters";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { startReplicaPair, type ReplicaPair } from "./support/replica";

/**
 * Throttling on database health: before chunks are handed out, the run holds
 * while a standby lags past --max-replication-lag, while recent chunks hit
 * their lock timeout, or while the script's throttle() says so; and a chunk
 * whose statement times out is cut in two instead of failing the run.
 */
const hosts = fixtureProject({
  scripts: "test/fixtures/hosts/scripts",
  dataSource: "test/fixtures/counters/ormconfig.ts",
  entities: [Counter, CounterAudit, AfterSaveCall],
});
const COUNTERS = ["--scripts", "test/fixtures/counters/scripts", "-d", "test/fixtures/counters/ormconfig.ts"];

async function seed(db: TestDatabase, n: number): Promise<void> {
  await db.query(`INSERT INTO counters (id, counter) SELECT g, 0 FROM generate_series(1, $1) g`, [n]);
}

describe("a streaming standby whose replay is paused", () => {
  let pair: ReplicaPair;
  let db: TestDatabase;
  beforeAll(async () => {
    pair = await startReplicaPair();
    // The counters' tables on the primary: a database of its own, reached through the pair's URL.
    const admin = new Client({ connectionString: pair.primaryUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ds_throttle`);
    await admin.end();
    const url = pair.primaryUrl.replace(/\/postgres$/, "/ds_throttle");
    const client = new Client({ connectionString: url });
    await client.connect();
    db = { url, name: "ds_throttle", query: async (text, params) => (await client.query(text, params)).rows, drop: () => client.end() };
    const { DataSource } = await import("typeorm");
    const ds = new DataSource({ type: "postgres", url, entities: [Counter, CounterAudit, AfterSaveCall], synchronize: true });
    await ds.initialize();
    await ds.destroy();
    await seed(db, 10_000);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    await pair?.stop();
  });

  test("makes the run hold, saying why; once replay resumes, the run finishes", async () => {
    await pair.pauseReplay();
    // No --no-progress: the progress lines (off a terminal) say why the run holds.
    const run = startCli(["increment", "--workers", "1", "--max-replication-lag", "2s", "--param", "sleepMs=300", ...COUNTERS], {
      env: { DATABASE_URL: db.url },
    });
    let stderr = "";
    run.child.stderr!.on("data", (d) => (stderr += d));
    await waitFor(() => /held \d+ s: replication lag [\d.]+ s > 2 s \(standby replica1\)/.test(stderr), 60_000);
    const [{ done }] = await db.query<{ done: string }>(`SELECT count(*) done FROM counters WHERE counter = 1`);
    expect(Number(done)).toBeLessThan(10_000); // it holds before the end
    await pair.resumeReplay();
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("increment: completed");
    expect(result.stderr).toMatch(/held [\d.]+ s \(last reason: replication lag/);
    expect((await counterHistogram(db)).counters).toEqual({ 1: 10_000 });
  });
});

describe("throttle() and statement timeouts", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await hosts.database("throttle");
    await seed(db, 2_000);
  });
  afterEach(() => db.drop());

  test("a throttle() that reports busy for 2 s holds the run that long, and the summary says so", async () => {
    const result = await runCli(["throttled", "--workers", "1", "--json", "--scripts", "test/fixtures/hosts/scripts", "-d", "test/fixtures/counters/ormconfig.ts"], {
      env: { DATABASE_URL: db.url },
    });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: "completed", changed: 2_000, lastHoldReason: "the script's throttle(): search cluster busy" });
    expect(summary.heldMs).toBeGreaterThanOrEqual(2_000); // held at least as long as it was busy
    expect((await counterHistogram(db)).counters).toEqual({ 1: 2_000 });
  });

  test("a chunk whose statement runs past statement_timeout is cut in two and finishes", async () => {
    // 4 ms per row in a trigger: a chunk of 400 rows takes 1.6 s, over a 1 s statement timeout; 200 rows pass.
    await db.query(`CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.004); RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER slow_row BEFORE UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION slow_row()`);
    const result = await runCli(["increment", "--workers", "2", "--chunk-size", "400", "--statement-timeout", "1000", "--no-progress", ...COUNTERS], {
      env: { DATABASE_URL: db.url },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/chunk \d+ ran past its statement timeout: cut in two/);
    expect(result.stderr).toContain("increment: completed");
    const [run] = await db.query<{ chunks_total: number; rows_changed: string }>(`SELECT chunks_total, rows_changed FROM data_script_runs`);
    expect(run.rows_changed).toBe("2000");
    expect(run.chunks_total).toBeGreaterThan(5); // planned as 5 chunks of 400
    expect((await counterHistogram(db)).counters).toEqual({ 1: 2_000 });
  });
});
