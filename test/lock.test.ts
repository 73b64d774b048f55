import { runCli, startCli, waitFor } from "./support/cli";
import { Client } from "pg";
import { createTestDatabase, type TestDatabase } from "./support/database";

describe("one run per script at a time", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("lock");
    const seeded = await runCli(["2024-create-users", "--workers", "1", "--no-progress", "--param", "count=2000"], {
      env: { DATABASE_URL: db.url },
    });
    expect(seeded.code).toBe(0);
  });
  afterAll(() => db.drop());

  test("a second run started while the first holds the lock exits 3 and names the running run", async () => {
    const args = ["slow-rename", "--scripts", "test/fixtures/scripts", "--workers", "1", "--no-progress"];
    const first = startCli(args, { env: { DATABASE_URL: db.url } });
    await waitFor(async () => (await db.query(`SELECT 1 FROM data_script_runs WHERE script = 'slow-rename' AND status = 'running'`)).length > 0);
    const [run] = await db.query<{ id: number }>(`SELECT id FROM data_script_runs WHERE script = 'slow-rename'`);

    const second = await runCli(args, { env: { DATABASE_URL: db.url } });
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`slow-rename is already running (run #${run.id}`);

    const firstResult = await first.done;
    expect(firstResult.code).toBe(0);
    const [renamed] = await db.query<{ n: string }>(`SELECT count(*) n FROM users WHERE username LIKE '%\\_x'`);
    expect(renamed.n).toBe("2000");
  });

  test("a command started while chunk transactions hold the ledger's tables waits on none of them (no DDL once the ledger is current)", async () => {
    // What a run in progress holds: ROW EXCLUSIVE on the ledger tables its chunks write. ALTER TABLE would queue behind it.
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("LOCK TABLE data_script_runs, data_script_chunks, data_script_participants IN ROW EXCLUSIVE MODE");
      const status = await runCli(["status", "--scripts", "test/fixtures/scripts"], { env: { DATABASE_URL: db.url }, timeoutMs: 30_000 });
      expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: "" });
      expect(status.stdout).toMatch(/slow-rename +completed/);
    } finally {
      await other.query("ROLLBACK").catch(() => undefined);
      await other.end();
    }
  });
});
