import type { TestDatabase } from "../support/database";
import { faultsDatabase, startFaultsCli } from "./support";

/**
 * Four runs of different scripts at once against one database, two workers
 * each, all changing the same rows (each its own column) while a per-row
 * subscriber writes audit rows: all complete, each change applied exactly once,
 * and any deadlock or lock wait between them is retried, never left to fail.
 */
const ROWS = 2_000;
const SCRIPTS = ["load-a", "load-b", "load-c", "load-d"];

describe("load: four scripts at once, two workers each", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await faultsDatabase("load");
    // A fresh database: the four runs also race to create the ledger tables.
    await db.query(`INSERT INTO tallies (id) SELECT g FROM generate_series(1, $1) g`, [ROWS]);
  });
  afterAll(() => db.drop());

  test("all complete, every column of every row bumped exactly once, one audit row per row and script", async () => {
    const runs = SCRIPTS.map((script) => startFaultsCli(db, [script, "--workers", "2", "--json"], { timeoutMs: 150_000 }));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const [i, result] of results.entries()) {
      expect({ script: SCRIPTS[i], code: result.code, stderr: result.stderr }).toEqual({ script: SCRIPTS[i], code: 0, stderr: expect.any(String) });
      expect(JSON.parse(result.stdout)).toMatchObject({ script: SCRIPTS[i], status: "completed", changed: ROWS });
    }
    const [tallies] = await db.query<{ rows: string; exact: string }>(
      `SELECT count(*) rows, count(*) FILTER (WHERE a = 1 AND b = 1 AND c = 1 AND d = 1) exact FROM tallies`,
    );
    expect(tallies).toEqual({ rows: String(ROWS), exact: String(ROWS) });
    const audit = await db.query<{ columns: string; n: string; ids: string }>(
      `SELECT columns, count(*) n, count(DISTINCT "tallyId") ids FROM tally_audit GROUP BY 1 ORDER BY 1`,
    );
    expect(audit).toEqual(["a", "b", "c", "d"].map((c) => ({ columns: c, n: String(ROWS), ids: String(ROWS) })));
    const ledger = await db.query<{ script: string; status: string; rows_changed: string }>(
      `SELECT script, status, rows_changed FROM data_script_runs ORDER BY script`,
    );
    expect(ledger).toEqual(SCRIPTS.map((script) => ({ script, status: "completed", rows_changed: String(ROWS) })));
    const [{ open }] = await db.query<{ open: string }>(`SELECT count(*) open FROM data_script_chunks WHERE status <> 'done'`);
    expect(open).toBe("0");
  });
});
