import { createHash } from "node:crypto";
import { startCli } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { counterCli, counterHistogram, countersDatabase, runStatuses, savedChunks } from "./support/counters";

const N = 5_000; // 10 chunks of 500

describe("script errors, afterSave, dry runs, concurrent starts", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await countersDatabase(N);
  });
  afterEach(() => db.drop());

  test("a script that throws on one row names the row and the chunk, exits 1; the fixed rerun only does the chunks not yet saved", async () => {
    const failing = await counterCli(db, ["increment", "--workers", "1", "--param", "failAt=2600"]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("mutate threw on Counter row 2600 (chunk 6): row 2600 is poisoned");
    expect(failing.stderr).toContain("increment: failed");
    expect(failing.stderr).not.toMatch(/\n\s+at /); // no stack trace for a script error
    expect(await savedChunks(db, "increment")).toBe(5); // chunks 1-5 committed, chunk 6 rolled back whole
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM counters WHERE counter = 1 AND id > 2500`);
    expect(n).toBe("0");

    const fixed = await counterCli(db, ["increment", "--workers", "2", "--json"]);
    expect(fixed.code).toBe(0);
    const summary = JSON.parse(fixed.stdout);
    expect(summary).toMatchObject({ status: "completed", resumed: true, chunks: 5, scanned: 2500 });
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
    expect(await runStatuses(db, "increment")).toEqual(["completed"]);
  });

  test("--continue-on-error records failing rows and carries on; the run fails with their count; a rerun retries just those rows", async () => {
    const run = await counterCli(db, ["increment", "--workers", "2", "--continue-on-error", "--param", "failEvery=1000"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("5 row(s) and 0 chunk(s) failed");
    const failures = await db.query<{ row_key: { id: number }; error: string }>(
      `SELECT row_key, error FROM data_script_failures WHERE NOT resolved ORDER BY (row_key->>'id')::int`,
    );
    expect(failures.map((f) => f.row_key)).toEqual([{ id: 1000 }, { id: 2000 }, { id: 3000 }, { id: 4000 }, { id: 5000 }]);
    expect(failures[0].error).toContain("row 1000 is poisoned");
    // Each with the stack trace of what threw, recorded by the worker process (workers 2): the script's own frame in it.
    const [stack] = await db.query<{ error_stack: string }>(`SELECT error_stack FROM data_script_failures WHERE row_key->>'id' = '1000'`);
    expect(stack.error_stack).toMatch(/^Error: row 1000 is poisoned\n\s+at \S+ \(.*increment\.ts:\d+:\d+\)/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // the CLI prints no stack without --verbose
    expect((await counterHistogram(db)).counters).toEqual({ 0: 5, 1: N - 5 });

    const retried = await counterCli(db, ["increment", "--workers", "2", "--json"]);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ status: "completed", scanned: 5, changed: 5 });
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });

  test("afterSave that throws on its first call: data committed, run failed; the resumed run calls it again and completes", async () => {
    const first = await counterCli(db, ["after-save-fails-once", "--workers", "1"]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("afterSave failed for chunk 2");
    expect(first.stderr).toContain("search index unavailable");
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM counters WHERE counter = 1 AND id BETWEEN 501 AND 1000`);
    expect(n).toBe("500"); // chunk 2's data is committed
    const [chunk2] = await db.query<{ status: string }>(`SELECT status FROM data_script_chunks WHERE chunk_no = 2`);
    expect(chunk2.status).toBe("saved"); // saved, afterSave pending

    const resumed = await counterCli(db, ["after-save-fails-once", "--workers", "2"]);
    expect(resumed.code).toBe(0);
    const calls = await db.query<{ chunkNo: number; n: string; rows: number }>(
      `SELECT "chunkNo", count(*) n, max(rows) rows FROM after_save_calls GROUP BY 1 ORDER BY 1`,
    );
    expect(calls.find((c) => c.chunkNo === 2)).toEqual({ chunkNo: 2, n: "2", rows: 500 }); // called again with the chunk's 500 rows reloaded
    expect(calls.filter((c) => c.chunkNo !== 2).every((c) => c.n === "1")).toBe(true);
    expect(calls).toHaveLength(10);
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });

  test("--dry-run leaves the data, the audit table and the completion state identical", async () => {
    const checksum = async () => {
      const rows = await db.query<{ c: string; a: string }>(
        `SELECT (SELECT md5(string_agg(id || ':' || counter, ',' ORDER BY id)) FROM counters) c,
                (SELECT count(*) || ':' || coalesce(md5(string_agg(id::text, ',' ORDER BY id)), '') FROM counter_audit) a`,
      );
      const status = await counterCli(db, ["status", "--json"]);
      const states = JSON.parse(status.stdout).map((s: { script: string; status: string }) => `${s.script}=${s.status}`);
      return createHash("sha256").update(JSON.stringify([rows, states])).digest("hex");
    };
    const before = await checksum();
    const dry = await counterCli(db, ["increment", "--dry-run", "--workers", "2"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain("dry run completed (rolled back, nothing saved)");
    expect(dry.stderr).toContain(`would change: counter ×${N}`);
    expect(dry.stderr).toMatch(/1: counter: 0 → 1/);
    expect(await checksum()).toBe(before);
    const check = await counterCli(db, ["check"]);
    expect(check.code).toBe(1); // still pending
  });

  test("two runs of the same script started together: exactly one proceeds, the other exits 3", async () => {
    const args = ["increment", "--workers", "1", "--param", "sleepMs=50", "--no-progress", "--scripts", "test/fixtures/counters/scripts", "-d", "test/fixtures/counters/ormconfig.ts"];
    const a = startCli(args, { env: { DATABASE_URL: db.url } });
    const b = startCli(args, { env: { DATABASE_URL: db.url } });
    const codes = [(await a.done).code, (await b.done).code].sort();
    expect(codes).toEqual([0, 3]);
    expect((await counterHistogram(db)).counters).toEqual({ 1: N });
  });
});
