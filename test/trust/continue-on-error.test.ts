import type { TestDatabase } from "../support/database";
import { count, runsOf, scratchFile, trust } from "./support";

// Class: "under --continue-on-error a row the database refuses costs that row only" — for inserts, upserts
// and updates, the refused row is recorded in data_script_failures, its chunk's other rows are written (with
// their events), and a resumed run retries the recorded rows, writing each once.
jest.setTimeout(120_000);

let db: TestDatabase;
beforeEach(async () => {
  db = await trust.database("trust_coe");
});
afterEach(async () => {
  await db.drop();
});

// An input holding U+0000 is kept as its JSON in base64 (jsonb cannot hold it): read back as the retry reads it.
const decoded = (input: Record<string, unknown> | null) =>
  input && typeof input["data-script:json-base64"] === "string" ? JSON.parse(Buffer.from(input["data-script:json-base64"] as string, "base64").toString()) : input;
const failures = async () =>
  (
    await db.query<{ chunk_no: number; row_key: unknown; input: Record<string, unknown> | null; error: string; resolved: boolean }>(
      `SELECT chunk_no, row_key, input, error, resolved FROM data_script_failures ORDER BY id`,
    )
  ).map((f) => ({ ...f, input: decoded(f.input) as { sku?: string; name?: string } | null }));
const jsonl = (n: number, bad: Record<number, Record<string, unknown>>) => {
  const lines = [];
  for (let i = 1; i <= n; i++) lines.push(JSON.stringify({ sku: `S${i}`, name: `item ${i}`, qty: i, ...bad[i] }));
  return scratchFile("items.jsonl", lines.join("\n") + "\n");
};

test("insert: a JSON \\u0000 in a text field: that line is recorded, the chunk's other nine are written; a resume retries it", async () => {
  const file = jsonl(30, { 15: { name: "bad\u0000name" } });
  const result = await trust.cli(db, ["import-items", "--input", file, "--workers", "1", "--continue-on-error"]);
  expect(result.code).toBe(1);
  expect(result.stdout + result.stderr).toContain("1 row(s) and 0 chunk(s) failed (--continue-on-error; see data_script_failures)");
  expect(await count(db, "items")).toBe(29);
  expect(await count(db, "item_audit")).toBe(29); // the refused row's events rolled back with it
  const [failure, ...more] = await failures();
  expect(more).toEqual([]);
  expect(failure).toMatchObject({ chunk_no: 2, row_key: { line: 15 }, input: { sku: "S15", name: "bad\u0000name" }, resolved: false });
  expect(failure.error).toContain("items.jsonl line 15, column name");
  expect(failure.error).toContain("NUL");
  // Resumed: the recorded line is tried again (still refused, still recorded), nothing else is written twice.
  const resumed = await trust.cli(db, ["import-items", "--input", file, "--workers", "1", "--continue-on-error"]);
  expect(resumed.code).toBe(1);
  expect(resumed.stderr).toContain("(resumed)");
  expect(await count(db, "items")).toBe(29);
  expect((await failures()).map((f) => f.resolved)).toEqual([true, false]);
});

test("upsert: a row a CHECK constraint refuses (nothing names it: found by halving) is recorded; the others are written once", async () => {
  const file = jsonl(30, { 5: { qty: -1 }, 26: { qty: -2 } });
  const result = await trust.cli(db, ["upsert-items", "--input", file, "--workers", "1", "--continue-on-error"]);
  expect(result.code).toBe(1);
  expect(await count(db, "items")).toBe(28);
  expect(await count(db, "item_audit")).toBe(28);
  const recorded = await failures();
  expect(recorded.map((f) => [f.chunk_no, f.input?.sku])).toEqual([[1, "S5"], [3, "S26"]]);
  expect(recorded[0].error).toContain("items.jsonl line 5");
  expect(recorded[0].error).toContain("items_qty_not_negative");
});

test("update: refused rows (a NUL, a CHECK) are recorded by key; a resume with the cause gone writes just them, once", async () => {
  await db.query(`INSERT INTO items (sku, name, qty) SELECT 'S' || g, 'item ' || g, g FROM generate_series(1, 100) g`);
  const result = await trust.cli(db, ["rename-items", "--workers", "1", "--continue-on-error", "--param", "nul=S15", "--param", "negative=S27"]);
  expect(result.code).toBe(1);
  const renamed = async () => (await db.query<{ once: string; twice: string }>(
    `SELECT count(*) FILTER (WHERE name LIKE '%!' AND name NOT LIKE '%!!') once, count(*) FILTER (WHERE name LIKE '%!!') twice FROM items`,
  ))[0];
  expect(await renamed()).toEqual({ once: "98", twice: "0" });
  const recorded = await failures();
  expect(recorded.map((f) => [f.chunk_no, f.row_key])).toEqual([[2, { id: 15 }], [3, { id: 27 }]]);
  expect(recorded[0].error).toContain("Item row 15");
  const resumed = await trust.cli(db, ["rename-items", "--workers", "1", "--continue-on-error"]);
  expect(resumed.code).toBe(0);
  expect(await renamed()).toEqual({ once: "100", twice: "0" });
  expect((await runsOf(db, "rename-items")).map((r) => r.status)).toEqual(["completed"]);
  expect((await failures()).every((f) => f.resolved)).toBe(true);
});

test("without --continue-on-error the chunk fails whole, as before (nothing of it written)", async () => {
  const file = jsonl(30, { 15: { name: "bad\u0000name" } });
  const result = await trust.cli(db, ["import-items", "--input", file, "--workers", "1"]);
  expect(result.code).toBe(1);
  expect(result.stdout + result.stderr).toContain("nothing of chunk 2 was written");
  expect(await count(db, "items")).toBeLessThanOrEqual(20);
  expect(await failures()).toEqual([]);
});
