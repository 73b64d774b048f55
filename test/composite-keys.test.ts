import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENTITIES } from "./fixtures/composite/entities";
import { killTree, waitFor } from "./support/cli";
import { LIVENESS } from "../src/ledger/participants";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { ledgerRuns } from "./support/ledger";

/**
 * A table-kind script over a composite primary key, ("tenantId", id) with ids
 * repeating across 7 tenants: chunked by the whole key's row order, with
 * everything a one-column key has: the key range in every chunk statement,
 * exactly-once resume after a SIGKILL, --join, before-images and revert,
 * statement-timeout splitting and --continue-on-error keys.
 */
const tenants = fixtureProject({ scripts: "test/fixtures/composite/scripts", dataSource: "test/fixtures/composite/ormconfig.ts", entities: ENTITIES });
const N = 20_000;
const CHUNKS = N / 500;

async function database(): Promise<TestDatabase> {
  const db = await tenants.database("composite");
  await db.query(`INSERT INTO tenant_counters ("tenantId", id, counter) SELECT 'tenant-' || (g % 7), g / 7, 0 FROM generate_series(0, $1 - 1) g`, [N]);
  return db;
}

/** How the counters stand, and what the audit subscriber received: each row must end at 1, with one audit row. */
async function histogram(db: TestDatabase) {
  const counts = await db.query<{ counter: number; n: string }>(`SELECT counter, count(*) n FROM tenant_counters GROUP BY 1 ORDER BY 1`);
  const [audit] = await db.query<{ rows: string; distinct_keys: string; wrong: string }>(
    `SELECT count(*) rows, count(DISTINCT ("tenantId", "counterId")) distinct_keys, count(*) FILTER (WHERE counter <> 1) wrong FROM tenant_counter_audit`,
  );
  return { counters: Object.fromEntries(counts.map((c) => [c.counter, Number(c.n)])), audit };
}

const ALL_ONCE = { counters: { 1: N }, audit: { rows: String(N), distinct_keys: String(N), wrong: "0" } };

async function savedChunks(db: TestDatabase): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(
    `SELECT count(*) n FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.kind = 'apply' AND c.status IN ('saved', 'done')`,
  );
  return Number(n);
}

async function chunkBounds(db: TestDatabase) {
  return db.query<{ lo: string; hi: string }>(`SELECT lo, hi FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.kind = 'apply' ORDER BY chunk_no`);
}

/** `(t."tenantId", t."id") >= ($a::character varying, $b::integer) AND (…) <= (…)` for the given alias and cast form. */
function rangeCondition(alias: string, bound: (type: string) => string): RegExp {
  const key = `\\(${alias}\\."tenantId", ${alias}\\."id"\\)`;
  const row = `\\(${bound("character varying")}, ${bound("integer")}\\)`;
  return new RegExp(`${key} >= ${row} AND ${key} <= ${row}`);
}

describe("a composite primary key (tenantId, id), 20,000 rows over 7 tenants", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await database();
  });
  afterEach(() => db.drop());

  test("SIGKILLed mid-run and resumed: every row changed exactly once, one audit event each; every chunk's load and UPDATE carry its key range", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "ds-composite-")), "queries.log");
    const args = ["bump-tenants", "--workers", "2", "--param", "sleepMs=60"];
    const first = tenants.start(db, args, { env: { QUERY_LOG: log }, detached: true });
    await waitFor(async () => (await savedChunks(db)) >= 8);
    killTree(first.child, "SIGKILL");
    await first.done;
    // The server releases the dead session's advisory lock once it notices the closed connection.
    await waitFor(async () => (await db.query<{ n: string }>(`SELECT count(*) n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`))[0].n === "0");
    const saved = await savedChunks(db);
    expect(saved).toBeLessThan(CHUNKS);
    const [{ changed }] = await db.query<{ changed: string }>(`SELECT count(*) changed FROM tenant_counters WHERE counter = 1`);
    expect(Number(changed)).toBe(saved * 500); // exactly the saved chunks: nothing half-written
    expect(await ledgerRuns(db, "bump-tenants")).toEqual([expect.objectContaining({ status: "running" })]);

    // Another database on the server has a live participant with the same id: it does not make this crashed run look alive.
    const other = await createTestDatabase("composite_other");
    const [{ id: participant }] = await db.query<{ id: number }>(`SELECT id FROM data_script_participants`);
    await other.query(`SELECT pg_advisory_lock(${LIVENESS}, $1)`, [participant]);
    const resumed = await tenants.cli(db, ["bump-tenants", "--workers", "2"], { env: { QUERY_LOG: log } });
    await other.drop();
    expect({ code: resumed.code, stderr: resumed.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("(resumed)") });
    expect(await histogram(db)).toEqual(ALL_ONCE);
    expect((await ledgerRuns(db, "bump-tenants")).map((r) => r.status)).toEqual(["completed"]); // one run, resumed

    // The ledger keeps each bound as a JSON array of the key's text, and the chunks cover the key's row order.
    const bounds = await chunkBounds(db);
    expect(bounds).toHaveLength(CHUNKS);
    expect(bounds[0].lo).toBe(`["tenant-0","0"]`);
    expect(bounds.at(-1)!.hi).toBe(`["tenant-6","2856"]`);
    expect(bounds.some((b) => JSON.parse(b.lo)[0] !== JSON.parse(b.hi)[0])).toBe(true); // chunks run across tenants

    const statements = readFileSync(log, "utf8").trim().split("\n").map((line) => line.slice(line.indexOf(" ") + 1));
    const updates = statements.filter((s) => s.startsWith(`UPDATE "tenant_counters"`));
    const loads = statements.filter((s) => s.startsWith("SELECT") && s.includes(`FROM "tenant_counters" "row"`) && !s.includes("row_number()"));
    expect(updates.length).toBeGreaterThanOrEqual(CHUNKS); // a chunk killed before its commit wrote once more
    expect(loads.length).toBeGreaterThanOrEqual(CHUNKS);
    const updateRange = rangeCondition("t", (type) => `\\$\\d+::${type}`);
    const loadRange = rangeCondition(`"row"`, (type) => `CAST\\(\\$\\d+ AS ${type}\\)`);
    expect(updates.filter((s) => !updateRange.test(s))).toEqual([]);
    expect(loads.filter((s) => !loadRange.test(s))).toEqual([]);
    expect(loads.filter((s) => !s.includes(`ORDER BY "row"."tenantId" ASC, "row"."id" ASC`))).toEqual([]);
  });

  test("--join: two hosts share one run; every row changed exactly once, completed once", async () => {
    const host = () => tenants.start(db, ["bump-tenants", "--join", "--workers", "1", "--param", "sleepMs=30"], { detached: true, timeoutMs: 180_000 });
    const [a, b] = await Promise.all([host().done, host().done]);
    for (const result of [a, b]) {
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("bump-tenants: completed") });
      expect(result.stderr).toMatch(/the run, 2 participants: 20000 scanned, 20000 changed/);
    }
    const hosts = await db.query<{ saved_by: number; chunks: string }>(
      `SELECT saved_by, count(*) chunks FROM data_script_chunks GROUP BY 1 ORDER BY 1`,
    );
    expect(hosts).toHaveLength(2); // both hosts wrote chunks
    expect(await histogram(db)).toEqual(ALL_ONCE);
    expect((await ledgerRuns(db, "bump-tenants")).map((r) => r.status)).toEqual(["completed"]);
  });

  test("revert: every row gets its value back from the before-images, except 6 live traffic changed since, reported by their whole key; one update event per restored row", async () => {
    expect((await tenants.cli(db, ["bump-tenants", "--workers", "2"])).code).toBe(0);
    const live = await db.query<{ tenantId: string; id: number }>(
      `UPDATE tenant_counters SET counter = 77 WHERE id = 1000 AND "tenantId" IN ('tenant-2', 'tenant-5') OR id BETWEEN 5 AND 8 AND "tenantId" = 'tenant-0'
       RETURNING "tenantId", id`,
    );
    expect(live).toHaveLength(6);
    await db.query(`DELETE FROM tenant_counter_audit`);

    const revert = await tenants.cli(db, ["revert", "bump-tenants", "--workers", "2", "--json"]);
    expect(revert.code).toBe(0);
    const summary = JSON.parse(revert.stdout);
    expect(summary).toMatchObject({ status: "completed", scanned: N, changed: N - 6, skipped: 6, deleted: 0 });
    const byKey = (a: { tenantId: string; id: number }, b: { tenantId: string; id: number }) => a.tenantId.localeCompare(b.tenantId) || a.id - b.id;
    expect([...summary.skippedKeys].sort(byKey)).toEqual([...live].sort(byKey));
    const counts = await db.query<{ counter: number; n: string }>(`SELECT counter, count(*) n FROM tenant_counters GROUP BY 1 ORDER BY 1`);
    expect(counts).toEqual([
      { counter: 0, n: String(N - 6) },
      { counter: 77, n: "6" },
    ]);
    const [audit] = await db.query<{ rows: string; distinct_keys: string; wrong: string }>(
      `SELECT count(*) rows, count(DISTINCT ("tenantId", "counterId")) distinct_keys, count(*) FILTER (WHERE counter <> 0) wrong FROM tenant_counter_audit`,
    );
    expect(audit).toEqual({ rows: String(N - 6), distinct_keys: String(N - 6), wrong: "0" });
    expect((await db.query<{ status: string }>(`SELECT status FROM data_script_runs ORDER BY id`)).map((r) => r.status)).toEqual(["reverted", "completed"]);
  });

  test("a chunk whose statement runs past statement_timeout is cut in two at its middle key, by row order, and the run finishes with every row changed once", async () => {
    // 4 ms per row in a trigger on 600 consecutive rows of tenant-3: a chunk holding 250 or more of them runs past 1 s.
    await db.query(`CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.004); RETURN NEW; END $$`);
    await db.query(
      `CREATE TRIGGER slow_row BEFORE UPDATE ON tenant_counters FOR EACH ROW WHEN (NEW."tenantId" = 'tenant-3' AND NEW.id BETWEEN 1000 AND 1599) EXECUTE FUNCTION slow_row()`,
    );
    const result = await tenants.cli(db, ["bump-tenants", "--workers", "2", "--statement-timeout", "1000"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/chunk \d+ ran past its statement timeout: cut in two/);
    expect(result.stderr).toContain("bump-tenants: completed");
    const bounds = await chunkBounds(db);
    expect(bounds.length).toBeGreaterThan(CHUNKS);
    // The halves are still whole-key bounds, and all chunks together cover each key once: sorted, each begins after the last ended.
    const keys = await db.query<{ lo_rank: string; hi_rank: string }>(
      `WITH k AS (SELECT "tenantId", id, row_number() OVER (ORDER BY "tenantId", id) AS rank FROM tenant_counters)
       SELECT lo.rank lo_rank, hi.rank hi_rank FROM data_script_chunks c
       JOIN k lo ON lo."tenantId" = c.lo::json->>0 AND lo.id = (c.lo::json->>1)::int
       JOIN k hi ON hi."tenantId" = c.hi::json->>0 AND hi.id = (c.hi::json->>1)::int ORDER BY lo.rank`,
    );
    expect(keys).toHaveLength(bounds.length);
    keys.forEach((k, i) => expect(Number(k.lo_rank)).toBe(i ? Number(keys[i - 1].hi_rank) + 1 : 1));
    expect(Number(keys.at(-1)!.hi_rank)).toBe(N);
    expect((await histogram(db)).counters).toEqual({ 1: N });
  });

  test("--continue-on-error records each failing row by its whole key; a rerun retries just those rows", async () => {
    const run = await tenants.cli(db, ["bump-tenants", "--workers", "2", "--continue-on-error", "--param", "failEvery=1000"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("21 row(s) and 0 chunk(s) failed"); // ids 0, 1000 and 2000 of each of the 7 tenants
    const failures = await db.query<{ row_key: { tenantId: string; id: number }; error: string }>(
      `SELECT row_key, error FROM data_script_failures WHERE NOT resolved ORDER BY row_key->>'tenantId', (row_key->>'id')::int`,
    );
    expect(failures.map((f) => f.row_key).slice(0, 4)).toEqual([
      { tenantId: "tenant-0", id: 0 },
      { tenantId: "tenant-0", id: 1000 },
      { tenantId: "tenant-0", id: 2000 },
      { tenantId: "tenant-1", id: 0 },
    ]);
    expect(failures).toHaveLength(21);
    expect(failures[1].error).toContain("mutate threw on TenantCounter row tenantId=tenant-0, id=1000");
    expect((await histogram(db)).counters).toEqual({ 0: 21, 1: N - 21 });

    const retried = await tenants.cli(db, ["bump-tenants", "--workers", "2", "--json"]);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ status: "completed", scanned: 21, changed: 21 });
    expect(await histogram(db)).toEqual(ALL_ONCE);
  });
});
