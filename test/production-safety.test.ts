import { Client } from "pg";
import { waitFor } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { counterCli, counterHistogram, countersDatabase, runStatuses, savedChunks, startCounterCli } from "./support/counters";

const N = 5_000;

describe("production safety", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await countersDatabase(N);
  });
  afterEach(() => db.drop());

  test("workers exit when their parent is killed", async () => {
    const run = startCounterCli(db, ["increment", "--workers", "2", "--param", "sleepMs=300"]);
    await waitFor(async () => (await savedChunks(db, "increment")) >= 2);
    const pids = (await db.query<{ pid: number }>(`SELECT DISTINCT pid FROM data_script_chunks WHERE pid IS NOT NULL`)).map((r) => r.pid);
    expect(pids.length).toBeGreaterThan(0);
    run.child.kill("SIGKILL");
    await run.done;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(() => pids.every((pid) => !alive(pid)), 10_000);
  });

  test("a worker connection killed with pg_terminate_backend is retried; the run completes exactly once", async () => {
    const run = startCounterCli(db, ["increment", "--workers", "2", "--param", "sleepMs=150"]);
    await waitFor(async () => (await savedChunks(db, "increment")) >= 2);
    const killed = await db.query<{ pid: number }>(
      `SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'data-script'`,
    );
    expect(killed.length).toBeGreaterThan(0);
    const result = await run.done;
    expect(result).toMatchObject({ code: 0 });
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });

  test("a row locked by someone else: lock_timeout fails the chunk cleanly (exit 1); once released, the rerun completes", async () => {
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT * FROM counters WHERE id = 2600 FOR UPDATE");
    try {
      const run = await counterCli(db, ["increment", "--workers", "1", "--lock-timeout", "200"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("lock timeout");
      expect(await runStatuses(db, "increment")).toEqual(["failed"]);
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    const rerun = await counterCli(db, ["increment", "--workers", "1"]);
    expect(rerun.code).toBe(0);
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });

  test("a mutate that never resolves fails its chunk at the time limit, and nothing of that chunk is written", async () => {
    const run = await counterCli(db, ["hangs", "--workers", "1", "--chunk-timeout", "1000"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("chunk 1 did not finish within 1000 ms");
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM counters WHERE counter <> 0`);
    expect(n).toBe("0");
    const [{ stuck }] = await db.query<{ stuck: string }>(
      `SELECT count(*) stuck FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(stuck).toBe("0");
  });

  test("--pause-ms spaces chunks out", async () => {
    const run = await counterCli(db, ["increment", "--workers", "1", "--pause-ms", "200", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).jobMs).toBeGreaterThanOrEqual(9 * 200); // 10 chunks, a pause after each hand-out
  });
});
