import type { TestDatabase } from "../support/database";
import { count, itemsCsv, runsOf, scratchFile, trust } from "./support";

// Class: "starting over never applies an insert-kind run's saved chunks again" — --restart and --force of
// an unfinished insert-kind run whose chunks inserted rows are refused with how to revert them first; the
// advice the runner prints is safe to follow as written.
jest.setTimeout(120_000);

let db: TestDatabase;
beforeEach(async () => {
  db = await trust.database("trust_restart");
});
afterEach(async () => {
  await db.drop();
});

/** items 1..100, with line 57 (item 56) cut by a bad quote: the 50 rows of chunks 1-5 are saved before it. */
const broken = () => scratchFile("items.csv", itemsCsv(100).replace("S56,item 56,56", 'S56,"item 56,56'));
const corrected = () => scratchFile("items.csv", itemsCsv(100));
const distinct = async () => (await db.query<{ n: string }>(`SELECT count(DISTINCT sku) n FROM items`))[0].n;
const run = (file: string, ...more: string[]) => trust.cli(db, ["import-items", "--input", file, "--workers", "1", ...more]);

test("a bad line: the advice says revert first; --restart and --force with the corrected file are refused, nothing doubled; revert then run works", async () => {
  const failed = await run(broken());
  expect(failed.code).toBe(1);
  const said = failed.stdout + failed.stderr;
  expect(said).toContain("revert them first (data-script revert import-items), then run the corrected file");
  expect(said).not.toContain("--restart");
  expect(await count(db, "items")).toBe(50);

  for (const flag of ["--restart", "--force"]) {
    const refused = await run(corrected(), flag);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("whose saved chunks inserted 50 row(s); starting over would insert them again");
    expect(refused.stderr).toContain("revert them first: data-script revert import-items");
    expect(await count(db, "items")).toBe(50);
  }
  // Without --restart the other file is refused too, and its advice is not --restart either.
  const other = await run(corrected());
  expect(other.code).toBe(2);
  expect(other.stderr).toContain("or revert the 50 row(s) it inserted first (data-script revert import-items), then run the new file");

  // Following the advice as written.
  expect((await trust.cli(db, ["revert", "import-items", "--workers", "1"])).code).toBe(0);
  expect(await count(db, "items")).toBe(0);
  const again = await run(corrected());
  expect(again.code).toBe(0);
  expect(await count(db, "items")).toBe(100);
  expect(await distinct()).toBe("100");
});

test("a run that kept no before-images: the refusal says so; --restart --force (rows removed by hand) starts over", async () => {
  expect((await run(broken(), "--no-undo")).code).toBe(1);
  const refused = await run(corrected(), "--restart");
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("it kept no before-images (--no-undo or keepUndo = false), so it cannot be reverted");
  expect(refused.stderr).toContain("--restart --force");
  await db.query(`DELETE FROM items`);
  const restarted = await run(corrected(), "--restart", "--force");
  expect(restarted.code).toBe(0);
  expect(await count(db, "items")).toBe(100);
  expect((await runsOf(db, "import-items")).map((r) => [r.status, r.error])).toEqual([["failed", "discarded by --restart"], ["completed", null]]);
});

test("the same file resumed is exactly once (resuming is always safe)", async () => {
  const file = broken();
  expect((await run(file)).code).toBe(1);
  // The same bytes cannot get past the bad line, but they resume: nothing before it is inserted again.
  expect((await run(file)).code).toBe(1);
  expect(await count(db, "items")).toBe(50);
  expect(await distinct()).toBe("50");
});

test("upsert kind: --restart is allowed (saved chunks are upserted again, not doubled) and says so", async () => {
  const failed = await trust.cli(db, ["upsert-items", "--input", broken(), "--workers", "1"]);
  expect(failed.code).toBe(1);
  expect(failed.stdout + failed.stderr).toContain("run it with --restart to start over from it (its saved chunks are upserted again, not doubled)");
  const restarted = await trust.cli(db, ["upsert-items", "--input", corrected(), "--workers", "1", "--restart"]);
  expect(restarted.code).toBe(0);
  expect(await count(db, "items")).toBe(100);
  expect(await distinct()).toBe("100");
});
