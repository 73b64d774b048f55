import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startCli } from "./support/cli";
import { createTestDatabase, type TestDatabase } from "./support/database";

/** The main job as a user runs it: create users, rename them, through 2 worker processes. */
describe("data-script run --pending (demo app)", () => {
  let db: TestDatabase;
  const log = join(mkdtempSync(join(tmpdir(), "ds-")), "queries.log");
  const env = () => ({ DATABASE_URL: db.url, QUERY_LOG: log });
  const N = 20_000;

  beforeAll(async () => {
    db = await createTestDatabase("e2e");
  });
  afterAll(() => db.drop());

  test("creates and renames every user, one statement per chunk, two child processes, every subscriber firing", async () => {
    const cli = startCli(
      ["run", "--pending", "--workers", "2", "--no-progress", "-d", "test/fixtures/counting-ormconfig.ts", "--param", `count=${N}`],
      { env: env() },
    );
    const run = await cli.done;
    expect(run.stderr).toContain("2024-rename-users: completed");
    expect(run.code).toBe(0);

    const [users] = await db.query<{ n: string; not_upper: string; not_lower_email: string }>(
      `SELECT count(*) n, count(*) FILTER (WHERE username <> upper(username)) not_upper,
              count(*) FILTER (WHERE email <> lower(email)) not_lower_email FROM users`,
    );
    expect(users).toEqual({ n: String(N), not_upper: "0", not_lower_email: "0" });
    const audit = await db.query<{ action: string; n: string }>(`SELECT action, count(*) n FROM user_audit GROUP BY 1 ORDER BY 1`);
    expect(audit).toEqual([
      { action: "insert", n: String(N) },
      { action: "update", n: String(N) },
    ]);
    // Every audited row is a real user, once per action.
    const [dupes] = await db.query<{ n: string }>(
      `SELECT count(*) n FROM (SELECT "userId", action FROM user_audit GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(dupes.n).toBe("0");

    // One INSERT and one UPDATE statement per chunk of 1,000 rows, written by two distinct child processes.
    const lines = readFileSync(log, "utf8").trim().split("\n");
    const inserts = lines.filter((l) => l.includes("INSERT INTO"));
    const updates = lines.filter((l) => l.includes("UPDATE"));
    expect(inserts).toHaveLength(N / 1000);
    expect(updates).toHaveLength(N / 1000);
    const updatePids = new Set(updates.map((l) => l.split(" ")[0]));
    expect(updatePids.size).toBe(2);
    expect(updatePids.has(String(cli.child.pid))).toBe(false); // written by the children, not the parent
    // The migrations (migrationsRun) are the parent's: the children connect while it still does, and never touch the schema.
    const migrationPids = new Set(lines.filter((l) => l.endsWith(" migrations-table")).map((l) => l.split(" ")[0]));
    expect([...migrationPids]).toEqual([String(cli.child.pid)]);
    const chunkPids = await db.query<{ script: string; pids: string }>(
      `SELECT r.script, count(DISTINCT c.pid) pids FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id GROUP BY 1 ORDER BY 1`,
    );
    expect(chunkPids).toEqual([
      { script: "2024-create-users", pids: "2" },
      { script: "2024-rename-users", pids: "2" },
    ]);
  });

  test("a second run --pending does nothing and exits 0; status lists both as completed", async () => {
    const again = await runCli(["run", "--pending", "--no-progress"], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing to do");
    const status = await runCli(["status"], { env: env() });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/2024-create-users\s+completed/);
    expect(status.stdout).toMatch(/2024-rename-users\s+completed/);
    const json = await runCli(["status", "--json"], { env: env() });
    expect(JSON.parse(json.stdout).map((s: { status: string }) => s.status)).toEqual(["completed", "completed"]);
  });

  test("--force re-runs a completed script; over rows that no longer change it writes nothing and fires nothing", async () => {
    const [before] = await db.query<{ max: Date; audits: string }>(
      `SELECT max("updatedAt") max, (SELECT count(*) FROM user_audit) audits FROM users`,
    );
    const forced = await runCli(["2024-rename-users", "--force", "--workers", "2", "--no-progress", "--json"], { env: env() });
    expect(forced.code).toBe(0);
    const summary = JSON.parse(forced.stdout);
    expect(summary).toMatchObject({ status: "completed", scanned: N, changed: 0 });
    const [after] = await db.query<{ max: Date; audits: string }>(
      `SELECT max("updatedAt") max, (SELECT count(*) FROM user_audit) audits FROM users`,
    );
    expect(after).toEqual(before);
    const runs = await db.query(`SELECT id FROM data_script_runs WHERE script = '2024-rename-users' AND status = 'completed'`);
    expect(runs).toHaveLength(2);
  });

  test("with DATABASE_URL unset the CLI starts the embedded PostgreSQL, and finds its data again next time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-embedded-"));
    const embeddedEnv = { DATABASE_URL: undefined, DATA_SCRIPT_EMBEDDED_DIR: join(dir, "pg") };
    const first = await runCli(["run", "--pending", "--workers", "2", "--no-progress", "--param", "count=3000"], { env: embeddedEnv });
    expect(first.stderr).toMatch(/embedded PostgreSQL started on port \d+/);
    expect(first.stderr).toContain("2024-rename-users: completed");
    expect(first.code).toBe(0);
    const status = await runCli(["status", "--json"], { env: embeddedEnv });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ script: "2024-create-users", status: "completed", rowsInserted: 3000 }),
      expect.objectContaining({ script: "2024-rename-users", status: "completed", rowsChanged: 3000 }),
    ]);
  });

  test("an unknown script exits 2 and suggests the closest name", async () => {
    const result = await runCli(["2024-rename-user"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Did you mean "2024-rename-users"?');
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
