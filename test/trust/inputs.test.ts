import { readFileSync } from "node:fs";
import type { TestDatabase } from "../support/database";
import { count, items, itemsCsv, runsOf, scratchFile, trust } from "./support";

// Classes: "an input file never loses a value silently" (a header or key named twice, bytes that are not
// the file's encoding) and "an empty input never counts as done by accident".
jest.setTimeout(120_000);

let db: TestDatabase;
beforeEach(async () => {
  db = await trust.database("trust_inputs");
});
afterEach(async () => {
  await db.drop();
});

const run = (script: string, file: string, ...more: string[]) => trust.cli(db, [script, "--input", file, "--workers", "1", ...more]);

describe("a column or key named twice is refused, naming it", () => {
  test("CSV: a header naming a column twice (a,a,b): exit 2 before anything runs, no run, no row", async () => {
    const file = scratchFile("items.csv", "sku,name,name,qty\nS1,one,uno,1\n");
    const result = await run("import-items", file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`items.csv line 1: the header names the column "name" twice (columns 2 and 3)`);
    expect(result.stderr).toContain("nothing was run");
    expect(await count(db, "items")).toBe(0);
    expect(await runsOf(db, "import-items")).toEqual([]);
  });

  test("CSV, gzipped and with a BOM: the same refusal", async () => {
    const file = scratchFile("items.csv.gz", "\uFEFFsku,sku,name\nS1,S2,x\n");
    const result = await run("import-items", file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the header names the column "sku" twice (columns 1 and 2)`);
    expect(await count(db, "items")).toBe(0);
  });

  test("JSON lines: a key given twice in a line (also escaped, also nested) fails the run naming the line; the lines before are saved", async () => {
    const lines = [];
    for (let i = 1; i <= 25; i++) lines.push(JSON.stringify({ sku: `S${i}`, name: `item ${i}`, qty: i }));
    lines.push(`{"sku":"S26","name":"a","n\\u0061me":"b","qty":1}`);
    const file = scratchFile("items.jsonl", lines.join("\n") + "\n");
    const result = await run("import-items", file);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(`items.jsonl line 26: the key "name" is given twice in one object`);
    expect(await count(db, "items")).toBe(20); // chunks 1 and 2 (lines 1-20); chunk 3 never complete
    const first = scratchFile("first.jsonl", `{"sku":"S1","name":"x","meta":{"a":1,"a":2}}\n`);
    const refused = await run("upsert-items", first);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`first.jsonl line 1: the key "a" is given twice in one object`);
  });

  test("the same key in two different objects of a line is fine", async () => {
    const file = scratchFile("items.jsonl", `{"sku":"S1","name":"x","meta":[{"a":1},{"a":2}],"qty":1}\n`);
    const result = await run("import-items", file);
    expect(result.code).toBe(0);
    expect(await items(db)).toEqual([{ sku: "S1", name: "x", qty: 1 }]);
  });
});

describe("bytes that are not UTF-8 are refused with the file and line, never stored as U+FFFD", () => {
  const latin1 = (text: string) => Buffer.from(text, "latin1");

  test("CSV: a Latin-1 name on line 1 of data: exit 2, nothing stored", async () => {
    const file = scratchFile("items.csv", latin1("sku,name,qty\nS1,José,1\n"));
    const result = await run("import-items", file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("items.csv line 2: not valid UTF-8 (bytes 0xE9");
    expect(result.stderr).toContain(`input = { encoding: "latin1" }`);
    expect(await count(db, "items")).toBe(0);
  });

  test("CSV far into the file, gzipped: the run fails naming the line; no replacement character anywhere", async () => {
    // Past the first read chunks: the run has started, the chunks before the line are saved.
    const file = scratchFile("items.csv.gz", Buffer.concat([Buffer.from(itemsCsv(5000)), latin1("S5001,José,1\n")]));
    const result = await run("import-items", file, "--chunk-size", "1000");
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain("items.csv.gz line 5,002: not valid UTF-8");
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM items WHERE name LIKE '%' || chr(65533) || '%'`);
    expect(n).toBe("0");
    expect(await count(db, "items")).toBeLessThanOrEqual(5000);
  });

  test("JSON lines: the same, and a character cut at the end of the file", async () => {
    const file = scratchFile("items.jsonl", latin1(`{"sku":"S1","name":"José","qty":1}\n`));
    const result = await run("import-items", file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("items.jsonl line 1: not valid UTF-8");
    const cut = scratchFile("cut.jsonl", Buffer.concat([Buffer.from(`{"sku":"S1","name":"ok","qty":1}\n`), Buffer.from("é", "utf8").subarray(0, 1)]));
    const second = await run("import-items", cut);
    expect(second.code).toBe(1);
    expect(second.stdout + second.stderr).toContain("cut.jsonl line 2: not valid UTF-8 (it ends inside a character");
  });

  test("valid multi-byte UTF-8 across read chunks passes unchanged", async () => {
    let text = "sku,name,qty\n";
    for (let i = 1; i <= 3000; i++) text += `S${i},🙂 émoji ${i} 👨‍👩‍👧,${i}\n`; // > 64 KiB: characters cut by read chunks
    const file = scratchFile("items.csv", text);
    const result = await trust.cli(db, ["import-items", "--input", file, "--workers", "1", "--chunk-size", "1000"]);
    expect(result.code).toBe(0);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM items WHERE name = '🙂 émoji ' || qty || ' 👨‍👩‍👧'`);
    expect(n).toBe("3000");
  });

  test("a script that declares input.encoding = latin1 reads the same bytes right", async () => {
    const file = scratchFile("items.csv", latin1("sku,name\nS1,José\n"));
    expect(readFileSync(file).includes(0xe9)).toBe(true);
    const result = await run("latin1-items", file);
    expect(result.code).toBe(0);
    expect(await items(db)).toEqual([{ sku: "S1", name: "José", qty: 0 }]);
  });
});

describe("an empty input is refused unless --allow-empty; zero matching rows is fine", () => {
  test.each([
    ["an empty file", "items.csv", ""],
    ["a CSV with only its header", "items.csv", "sku,name,qty\n"],
    ["blank JSON lines", "items.jsonl", "\n\n  \n"],
    ["an empty gzip", "items.csv.gz", ""],
  ])("%s: exit 2, no run recorded, the script stays pending", async (_what, name, content) => {
    const result = await run("import-items", scratchFile(name, content));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("holds no records");
    expect(result.stderr).toContain("--allow-empty");
    expect(await runsOf(db, "import-items")).toEqual([]);
    const check = await trust.cli(db, ["check"]);
    expect(check.stdout).toMatch(/import-items\s+pending/);
  });

  test("empty standard input: refused the same way", async () => {
    const started = trust.start(db, ["import-items", "--input", "-", "--workers", "1"]);
    started.child.stdin!.end();
    const result = await started.done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--input stdin holds no records");
    expect(await runsOf(db, "import-items")).toEqual([]);
  });

  test("--allow-empty: completed with no rows, and said so", async () => {
    const result = await run("import-items", scratchFile("items.csv", "sku,name,qty\n"), "--allow-empty");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("holds no records; with --allow-empty, import-items is recorded as completed with no rows");
    expect((await runsOf(db, "import-items")).map((r) => r.status)).toEqual(["completed"]);
  });

  test("a source() that yields nothing completes, with a warning", async () => {
    const result = await trust.cli(db, ["empty-source", "--workers", "1"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("empty-source's source() yielded no inputs");
  });

  test("a table-kind filter that matches no row completes (nothing to do is done)", async () => {
    const result = await trust.cli(db, ["none-match", "--workers", "1"]);
    expect(result.code).toBe(0);
    expect((await runsOf(db, "none-match")).map((r) => r.status)).toEqual(["completed"]);
  });
});
