import type { TestDatabase } from "../support/database";
import { chunkRows, faultsCli, faultsDatabase, runRows, STACK_FRAME } from "./support";

/**
 * A value its column rejects. PostgreSQL refuses the chunk's one bulk statement
 * without saying which row was at fault; the runner names the row's key and the
 * column, the chunk rolls back whole (its rows and its subscriber's audit rows),
 * the earlier chunks stay committed, and the fixed run resumes from there.
 */

/** md5 of the gadgets in [lo, hi] and the count of their audit rows. */
async function slice(db: TestDatabase, lo: number, hi: number): Promise<string> {
  const [row] = await db.query<{ g: string | null; a: string }>(
    `SELECT (SELECT md5(string_agg(concat_ws('|', id, name, note, qty, small, code, counter), ',' ORDER BY id)) FROM gadgets WHERE id BETWEEN $1 AND $2) g,
            (SELECT count(*) FROM gadget_audit WHERE "gadgetId" BETWEEN $1 AND $2) a`,
    [lo, hi],
  );
  return `${row.g}/${row.a}`;
}

async function expectOneAuditRowEach(db: TestDatabase, lo: number, hi: number, action: string) {
  const [row] = await db.query<{ n: string; distinct_ids: string; wrong: string }>(
    `SELECT count(*) n, count(DISTINCT "gadgetId") distinct_ids, count(*) FILTER (WHERE action <> $3) wrong FROM gadget_audit WHERE "gadgetId" BETWEEN $1 AND $2`,
    [lo, hi, action],
  );
  expect(row).toEqual({ n: String(hi - lo + 1), distinct_ids: String(hi - lo + 1), wrong: "0" });
}

describe("table kind (bulk UPDATE): a rejected value names the row and the column; the chunk rolls back whole", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await faultsDatabase("bad_update");
  });
  afterAll(() => db.drop());

  // Each case sets one column of gadget 137 (chunk 2 of 3) to a value PostgreSQL refuses.
  const cases: [name: string, message: string, workers?: number][] = [
    ["too-long", `Gadget row 137, column name: value too long for type character varying(10) (12 characters, at most 10: "twelve chars")`],
    ["too-long-emoji", `Gadget row 137, column name: value too long for type character varying(10) (11 characters, at most 10: "${"🙂".repeat(11)}")`],
    ["nul", `Gadget row 137, column note: invalid byte sequence for encoding "UTF8": 0x00 (a NUL character (\\u0000) at position 6: "before\\u0000after")`, 2],
    ["int-range", `Gadget row 137, column qty: value "2147483648" is out of range for type integer`],
    ["small-range", `Gadget row 137, column small: value "-40000" is out of range for type smallint`],
    ["not-a-number", `Gadget row 137, column qty: invalid input syntax for type integer: "twelve"`],
    ["not-null", `Gadget row 137, column name: null value in column "name" of relation "gadgets" violates not-null constraint`, 2],
    ["duplicate", `Gadget row 137, column code: duplicate key value violates unique constraint "UQ_10782d899a808f39ae2ddb2bca5" (Key (code)=(CODE-7) already exists.)`],
    // Not the bulk statement: the subscriber's INSERT of an audit row. It is said so, not blamed on a Gadget column.
    ["audit-too-long", `value too long for type character varying(20), raised by a subscriber's or listener's query in chunk 2's transaction (INSERT INTO "gadget_audit"`],
  ];

  test.each(cases)("%s", async (name, message, workers = 1) => {
    const untouched = await slice(db, 101, 200);
    const run = await faultsCli(db, ["bad-update", "--workers", String(workers), "--param", `case=${name}`, "--param", "row=137"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`chunk 2 failed: ${message}`);
    expect(run.stderr).toContain("nothing of chunk 2 was written");
    expect(run.stderr).toContain("bad-update: failed");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await slice(db, 101, 200)).toBe(untouched); // chunk 2: no row changed, no audit row
    const chunks = await chunkRows(db, "bad-update");
    expect(chunks.find((c) => c.chunk_no === 2)).toEqual({ chunk_no: 2, status: "failed", error: expect.stringContaining(message) });
    expect(chunks.find((c) => c.chunk_no === 1)?.status).toBe("done"); // chunk 1 committed (in the first attempt) and recorded
  });

  test("the fixed run resumes after the committed chunk: every gadget changed exactly once, one audit row each", async () => {
    const run = await faultsCli(db, ["bad-update", "--workers", "2", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", resumed: true }); // chunk 2, and chunk 3 unless a 2-worker attempt got to it
    const counters = await db.query<{ counter: number; n: string }>(`SELECT counter, count(*) n FROM gadgets GROUP BY 1`);
    expect(counters).toEqual([{ counter: 1, n: "250" }]);
    await expectOneAuditRowEach(db, 1, 250, "update");
    expect((await runRows(db, "bad-update")).map((r) => r.status)).toEqual(["completed"]);
  });
});

// bad-insert / bad-upsert yield gadgets 1001..1250 in chunks of 100; gadget 1137 is input #37 of chunk 2.
const sourceCases: Record<string, [name: string, message: string, workers?: number][]> = {
  "bad-insert": [
    ["too-long-emoji", `input #37 of chunk 2 (Gadget 1137), column name: value too long for type character varying(10) (11 characters, at most 10`, 2],
    ["nul", `input #37 of chunk 2 (Gadget 1137), column note: invalid byte sequence for encoding "UTF8": 0x00 (a NUL character`],
    ["not-null", `input #37 of chunk 2 (Gadget 1137), column name: null value in column "name" of relation "gadgets" violates not-null constraint`],
    ["duplicate", `input #37 of chunk 2 (Gadget 1137), column code: duplicate key value violates unique constraint "UQ_10782d899a808f39ae2ddb2bca5" (Key (code)=(CODE-7) already exists.)`],
  ],
  // Chunk 2's gadgets exist already: the upsert updates them (ON CONFLICT DO UPDATE), and inserts the others.
  "bad-upsert": [
    ["int-range", `input #37 of chunk 2 (id=1137), column qty: value "2147483648" is out of range for type integer`, 2],
    ["small-range", `input #37 of chunk 2 (id=1137), column small: value "-40000" is out of range for type smallint`],
    ["too-long", `input #37 of chunk 2 (id=1137), column name: value too long for type character varying(10) (12 characters, at most 10: "twelve chars")`],
    ["duplicate", `input #37 of chunk 2 (id=1137), column code: duplicate key value violates unique constraint "UQ_10782d899a808f39ae2ddb2bca5" (Key (code)=(CODE-7) already exists.)`],
  ],
};

describe.each(Object.keys(sourceCases))("source kind, %s: a rejected value names the input and its key; the chunk rolls back whole", (script) => {
  let db: TestDatabase;
  const upsert = script === "bad-upsert";
  beforeAll(async () => {
    db = await faultsDatabase(script.replace("-", "_"));
    if (upsert) await db.query(`INSERT INTO gadgets (id, name) SELECT g, 'old' FROM generate_series(1101, 1200) g`);
  });
  afterAll(() => db.drop());

  test.each(sourceCases[script])("%s", async (name, message, workers = 1) => {
    const untouched = await slice(db, 1101, 1200);
    const run = await faultsCli(db, [script, "--workers", String(workers), "--param", `case=${name}`, "--param", "row=1137"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`chunk 2 failed: ${message}`);
    expect(run.stderr).toContain("nothing of chunk 2 was written");
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await slice(db, 1101, 1200)).toBe(untouched);
    expect((await chunkRows(db, script)).find((c) => c.chunk_no === 2)).toEqual({ chunk_no: 2, status: "failed", error: expect.stringContaining(message) });
  });

  test("the fixed run resumes: every input written exactly once, with one audit row each", async () => {
    const run = await faultsCli(db, [script, "--workers", "2", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", resumed: true });
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM gadgets WHERE id BETWEEN 1001 AND 1250 AND name = 'g' || id AND code = 'CODE-' || id`);
    expect(n).toBe("250");
    if (upsert) {
      await expectOneAuditRowEach(db, 1001, 1100, "insert");
      await expectOneAuditRowEach(db, 1101, 1200, "update");
      await expectOneAuditRowEach(db, 1201, 1250, "insert");
    } else {
      await expectOneAuditRowEach(db, 1001, 1250, "insert");
    }
    expect((await runRows(db, script)).map((r) => r.status)).toEqual(["completed"]);
  });
});
