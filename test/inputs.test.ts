import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { expectImportedOnce, inputsProject, savedChunks, scratchDir, waitForOrphans, writeFeed, type Feed } from "./support/inputs";
import { ledgerChunks, ledgerRuns } from "./support/ledger";

/**
 * `--input feed.csv` for a source-kind upsert script: 200,000 lines with a BOM, quoted fields,
 * embedded commas, newlines and doubled quotes, emoji; streamed by the parent, chunk by chunk,
 * each input carrying its line so errors say "feed.csv line N"; the file's checksum is stored
 * with the run, so a resume reads the same file (same file ⇒ same chunks) or is refused.
 */
const cli = inputsProject.cli;
const start = inputsProject.start;

describe("--input: a 200,000-line CSV", () => {
  let db: TestDatabase;
  let dir: string;
  let feed: Feed;
  let file: string;
  beforeAll(async () => {
    db = await inputsProject.database("inputs_csv");
    dir = scratchDir();
    file = join(dir, "feed.csv");
    feed = await writeFeed(file, "csv", 200_000);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  test("SIGKILL mid-import; a resume with an edited file exits 2; the same file resumes and imports every line exactly once", async () => {
    expect(feed.lines).toBeGreaterThanOrEqual(200_000);
    const first = start(db, ["import-partners", "--input", file, "--workers", "2", "--pause-ms", "20"]);
    await waitFor(async () => (await savedChunks(db, "import-partners")) >= 15);
    first.child.kill("SIGKILL");
    await first.done;
    await waitForOrphans(db);
    const saved = await savedChunks(db, "import-partners");
    expect(saved).toBeLessThan(feed.partners / 1000);

    // One character changed: another file, whatever its name.
    const edited = join(dir, "feed-edited.csv");
    await writeFeed(edited, "csv", 200_000, { n: 5, fields: { name: "plain 5!" } });
    const refused = await cli(db, ["import-partners", "--input", edited]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(
        `data-script: import-partners has an unfinished run \\(#1, running\\) started with another input file: ${file} \\(sha256 [0-9a-f]{12}…\\) then, ` +
          `${edited} \\(sha256 [0-9a-f]{12}…\\) now; resume it with the same file, or pass --restart`,
      ),
    );
    expect(await savedChunks(db, "import-partners")).toBe(saved);

    // The same bytes under another name are the same file.
    const copy = join(dir, "copy-of-feed.csv");
    copyFileSync(file, copy);
    const resumed = await cli(db, ["import-partners", "--input", copy, "--workers", "2"]);
    expect(resumed.stderr).toContain("import-partners: completed — run #1 (resumed)");
    expect(resumed.code).toBe(0);
    await expectImportedOnce(db, feed.partners);

    const status = await cli(db, ["status"]);
    expect(status.stdout).toMatch(new RegExp(`import-partners\\s+completed.*input: ${file} \\(sha256 [0-9a-f]{12}…\\)`));
   }, 300_000); // 200,000 lines three times over, on a shared 2-core machine
});

describe("--input: bad lines", () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await inputsProject.database("inputs_bad");
    dir = scratchDir();
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  const partnersIn = async (from: number, to: number) =>
    Number(
      (
        await db.query<{ n: string }>(`SELECT count(*) n FROM partners WHERE substr("externalId", 2)::int BETWEEN $1 AND $2`, [from, to])
      )[0].n,
    );

  test("a value its column type refuses: exit 1 naming the file and line; its chunk rolls back, the chunks before stay", async () => {
    const file = join(dir, "bad.csv");
    const feed = await writeFeed(file, "csv", 5_000, { n: 2_500, fields: { credit: "12x" } }); // chunk 3: partners 2001-3000
    const run = await cli(db, ["import-partners", "--input", file, "--workers", "1"]);
    expect(run.code).toBe(1);
    const line = feed.lineOf(2_500).toLocaleString("en-US");
    expect(run.stderr).toContain(`chunk 3 failed: ${file} line ${line}: column credit: "12x" is not an integer`);
    expect(await partnersIn(2_001, 3_000)).toBe(0);
    expect(await partnersIn(1, 2_000)).toBe(2_000);
    expect((await ledgerChunks(db, "import-partners"))[2]).toMatchObject({ chunk_no: 3, status: "failed" });
    expect(Number((await db.query<{ n: string }>(`SELECT count(*) n FROM partner_audit`))[0].n)).toBe(2_000);
  });

  test("a value the database refuses (too long for varchar(60)): the line, the key and the column; its chunk rolls back", async () => {
    const file = join(dir, "long.csv");
    const feed = await writeFeed(file, "csv", 5_000, { n: 1_500, fields: { name: "🙂".repeat(61) } });
    const run = await cli(db, ["import-partners", "--input", file, "--workers", "2"]);
    expect(run.code).toBe(1);
    const line = feed.lineOf(1_500).toLocaleString("en-US");
    expect(run.stderr).toContain(
      `chunk 2 failed: ${file} line ${line} (externalId=P1500), column name: value too long for type character varying(60) (61 characters, at most 60:`,
    );
    expect(run.stderr).toContain("nothing of chunk 2 was written");
    expect(await partnersIn(1_001, 2_000)).toBe(0);
  });

  test("a file that cannot be read on (bad quoting): the run fails naming the line; the chunks before it are saved", async () => {
    const file = join(dir, "broken.csv");
    const good = Array.from({ length: 2_500 }, (_, i) => `P${i + 1},name ${i + 1},1,`);
    writeFileSync(file, ["externalId,name,credit,joinedAt", ...good, `P9999,"bad "quote,1,`, "P10000,x,1,"].join("\n"));
    const run = await cli(db, ["import-partners", "--input", file, "--workers", "2"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} line 2,502: Invalid Closing Quote`);
    expect(run.stderr).toContain("a corrected file is another file: run it with --restart");
    expect(await partnersIn(1, 2_000)).toBe(2_000);
    expect((await ledgerRuns(db, "import-partners")).map((r) => r.status)).toEqual(["failed"]);
  });
});
