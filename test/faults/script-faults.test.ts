import type { TestDatabase } from "../support/database";
import { chunkRows, faultsCli, faultsDatabase, gadgetsChecksum, runRows, STACK_FRAME } from "./support";

/**
 * The script's own code goes wrong. Exit 1, a message that names the script's
 * hook, the chunk and the row, no stack trace, and nothing half-written.
 * (mutate throwing in-process, afterSave throwing and a mutate that never
 * resolves are covered in test/failures.test.ts and test/production-safety.test.ts.)
 */
describe("script faults: exit 1, the hook, chunk and row named, nothing half-written", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await faultsDatabase("script_faults");
  });
  afterEach(() => db.drop());

  /** md5 of gadgets [lo, hi] and their audit rows. */
  const slice = async (lo: number, hi: number) =>
    (
      await db.query<{ s: string }>(
        `SELECT (SELECT md5(string_agg(concat_ws('|', id, name, counter), ',' ORDER BY id)) FROM gadgets WHERE id BETWEEN $1 AND $2)
                || '/' || (SELECT count(*) FROM gadget_audit WHERE "gadgetId" BETWEEN $1 AND $2) s`,
        [lo, hi],
      )
    )[0].s;

  test("mutate throws in a worker process: the row and chunk are named, that chunk rolls back whole", async () => {
    const chunk2 = await slice(101, 200);
    const run = await faultsCli(db, ["mutate-throws", "--workers", "2", "--param", "failAt=150"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("chunk 2 failed: mutate threw on Gadget row 150 (chunk 2): gadget 150 has no price");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await slice(101, 200)).toBe(chunk2);
    expect((await chunkRows(db, "mutate-throws")).find((c) => c.chunk_no === 2)?.status).toBe("failed");
  });

  test.each([1, 2])("setup throws (--workers %i): no chunk starts, nothing is written, the run is recorded as failed", async (workers) => {
    const before = await gadgetsChecksum(db);
    const run = await faultsCli(db, ["setup-throws", "--workers", String(workers)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/chunk \d failed: setup\(\) threw in worker \d, before any of its chunks started: the pricing service is unreachable/);
    expect(run.stderr).not.toContain("[object Object]");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await gadgetsChecksum(db)).toBe(before);
    expect((await chunkRows(db, "setup-throws")).filter((c) => c.status === "saved" || c.status === "done")).toEqual([]);
    expect(await runRows(db, "setup-throws")).toEqual([expect.objectContaining({ status: "failed", error: expect.stringContaining("setup() threw") })]);
  });

  test("mutate changes the primary key: refused with a clear error, the chunk rolls back, no row is renumbered", async () => {
    const chunk2 = await slice(101, 200);
    const run = await faultsCli(db, ["changes-key", "--workers", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("chunk 2 failed: changing the primary key is not supported: Gadget.id of row 150");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await slice(101, 200)).toBe(chunk2);
    expect(await db.query(`SELECT id FROM gadgets WHERE id > 250`)).toEqual([]);
  });

  test("table kind: mutate returns a changed copy instead of changing the row: refused, the chunk rolls back", async () => {
    const chunk2 = await slice(101, 200);
    const run = await faultsCli(db, ["returns-copy", "--workers", "2"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "chunk 2 failed: mutate must change the Gadget it is given in place and return nothing (or false to skip, or REMOVE to remove it); it returned a plain object for row 150 (chunk 2)",
    );
    expect(await slice(101, 200)).toBe(chunk2);
  });

  test.each([
    ["insert-plain-object", "it returned a plain object for input #3 of chunk 1"],
    ["insert-wrong-entity", "it returned a Tally for input #2 of chunk 1"],
  ])("source kind: %s — mutate must return the script's entity; nothing of the chunk is inserted", async (script, detail) => {
    const run = await faultsCli(db, [script, "--workers", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`chunk 1 failed: mutate must return a Gadget (e.g. ctx.manager.create(Gadget, {...})) or false; ${detail}`);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await db.query(`SELECT id FROM gadgets WHERE id > 250`)).toEqual([]);
    expect(await db.query(`SELECT id FROM gadget_audit`)).toEqual([]);
  });
});
