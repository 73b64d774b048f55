import type { TestDatabase } from "../support/database";
import { waitFor } from "../support/cli";
import { count, itemsCsv, runsOf, scratchFile, trust } from "./support";

// Class: "a run completes only when every planned chunk is accounted for" — a chunk row deleted, or marked
// saved by hand, while the run is in progress ends it failed with a message that says the ledger was changed,
// and such a run is not resumed (a resume would skip those rows, or apply them again).
jest.setTimeout(120_000);

let db: TestDatabase;
beforeEach(async () => {
  db = await trust.database("trust_damage");
  await db.query(`INSERT INTO items (sku, name, qty) SELECT 'S' || g, 'item ' || g, g FROM generate_series(1, 100) g`);
});
afterEach(async () => {
  await db.drop();
});

const chunkRows = (status?: string) =>
  db.query<{ chunk_no: number }>(
    `SELECT c.chunk_no FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.script = $1 ${status ? "AND c.status = $2" : ""} ORDER BY r.id DESC, c.chunk_no`,
    status ? ["rename-items", status] : ["rename-items"],
  );
const renamed = async () => (await db.query<{ n: string }>(`SELECT count(*) n FROM items WHERE name LIKE '%!'`))[0].n;

test.each([
  ["deleted", `DELETE FROM data_script_chunks WHERE chunk_no = 9`, "chunk row(s) 9 missing; it planned 10 chunk(s) and the ledger holds 9"],
  ["marked done by hand", `UPDATE data_script_chunks SET status = 'done' WHERE chunk_no = 9`, "chunk(s) 9 marked saved without being written by the run"],
])("table kind, a pending chunk row %s mid-run: the run fails saying the ledger was changed; a resume is refused; --restart completes", async (_what, damage, said) => {
  const started = trust.start(db, ["rename-items", "--workers", "1", "--pause-ms", "300"]);
  await waitFor(async () => (await chunkRows("done")).length >= 2);
  await db.query(damage);
  const result = await started.done;
  expect(result.code).toBe(1);
  expect(result.stdout + result.stderr).toContain("the ledger was changed while run #1 was in it");
  expect(result.stdout + result.stderr).toContain(said);
  expect(await renamed()).toBe("90"); // chunk 9's ten rows were never written
  expect((await runsOf(db, "rename-items")).map((r) => r.status)).toEqual(["failed"]);

  const resumed = await trust.cli(db, ["rename-items", "--workers", "1"]);
  expect(resumed.code).toBe(2);
  expect(resumed.stderr).toContain("cannot be resumed");
  expect(await renamed()).toBe("90");
  const restarted = await trust.cli(db, ["rename-items", "--workers", "1", "--restart"]);
  expect(restarted.code).toBe(0);
  expect(await renamed()).toBe("100");
});

test("source kind, a saved chunk row deleted mid-run: failed, and the resume that would insert it again is refused", async () => {
  await db.query(`DELETE FROM items`);
  const file = scratchFile("items.csv", itemsCsv(100));
  const started = trust.start(db, ["import-items", "--input", file, "--workers", "1", "--pause-ms", "300"]);
  await waitFor(async () => (await count(db, "items")) >= 30);
  await db.query(`DELETE FROM data_script_chunks WHERE chunk_no = 2`);
  const result = await started.done;
  expect(result.code).toBe(1);
  expect(result.stdout + result.stderr).toContain("the ledger was changed while run #1 was in it (chunk row(s) 2 missing");
  expect(await count(db, "items")).toBe(100);
  const resumed = await trust.cli(db, ["import-items", "--input", file, "--workers", "1"]);
  expect(resumed.code).toBe(2);
  expect(resumed.stderr).toContain("cannot be resumed");
  expect(await count(db, "items")).toBe(100);
});
