import { rmSync } from "node:fs";
import { join } from "node:path";
import { waitFor, type CliResult } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { expectImportedOnce, inputsProject, savedChunks, scratchDir, waitForOrphans, startWithStdin, writeFeed, type FeedFormat } from "./support/inputs";

/**
 * The same import through JSON lines, gzip and standard input: interrupted by SIGKILL, a resume
 * with an edited file refused, the same file resumed to exactly once, and a bad line named.
 */
const LINES = 10_000;

const cases: { title: string; format: FeedFormat; name: string; stdin: boolean }[] = [
  { title: ".jsonl", format: "jsonl", name: "feed.jsonl", stdin: false },
  { title: ".csv.gz", format: "csv", name: "feed.csv.gz", stdin: false },
  { title: ".ndjson.gz", format: "jsonl", name: "feed.ndjson.gz", stdin: false },
  { title: "standard input (CSV)", format: "csv", name: "feed.csv", stdin: true },
  { title: "standard input (gzipped JSON lines)", format: "jsonl", name: "feed.jsonl.gz", stdin: true },
];

describe.each(cases)("--input through $title", ({ format, name, stdin }) => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await inputsProject.database("inputs_formats");
    dir = scratchDir();
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  const run = (file: string, args: string[]) => {
    const full = ["import-partners", "--input", stdin ? "-" : file, ...args];
    return stdin ? startWithStdin(db, full, file) : inputsProject.start(db, full);
  };
  const shown = (file: string) => (stdin ? "stdin" : file);

  test("SIGKILL, an edited file refused (exit 2), the same file resumed: every line exactly once", async () => {
    const file = join(dir, name);
    const feed = await writeFeed(file, format, LINES);
    const first = run(file, ["--workers", "2", "--pause-ms", "100"]);
    await waitFor(async () => (await savedChunks(db, "import-partners")) >= 4);
    first.child.kill("SIGKILL");
    await first.done;
    await waitForOrphans(db);
    const saved = await savedChunks(db, "import-partners");
    expect(saved).toBeLessThan(feed.partners / 1000);

    const edited = join(dir, `edited-${name}`);
    await writeFeed(edited, format, LINES, { n: 3, fields: { name: "another name" } });
    const refused: CliResult = await run(edited, []).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`started with another input file: ${shown(file)} (sha256`);
    expect(await savedChunks(db, "import-partners")).toBe(saved);

    const resumed = await run(file, ["--workers", "2"]).done;
    expect(resumed.stderr).toContain("(resumed)");
    expect(resumed.code).toBe(0);
    await expectImportedOnce(db, feed.partners);
  });

  test("a bad value is reported with the file and its line; its chunk rolls back", async () => {
    const file = join(dir, name);
    const feed = await writeFeed(file, format, 3_000, { n: 1_200, fields: { joinedAt: "the day before yesterday" } });
    const result = await run(file, ["--workers", "2"]).done;
    expect(result.code).toBe(1);
    const line = feed.lineOf(1_200).toLocaleString("en-US");
    expect(result.stderr).toContain(`chunk 2 failed: ${shown(file)} line ${line}: column joinedAt: "the day before yesterday" is not a date`);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM partners WHERE substr("externalId", 2)::int BETWEEN 1001 AND 2000`);
    expect(n).toBe("0");
  });
});

describe("--input is refused before anything starts when it cannot apply", () => {
  test.each([
    [["import-partners", "--input", "test/fixtures/inputs/no-such-feed.csv"], "data-script: --input file not found: test/fixtures/inputs/no-such-feed.csv"],
    [["stamp-rows", "--input", "test/fixtures/inputs/entities.ts", "--param", "since=2024-01-01", "--param", "mode=fast"], "data-script: --input is for scripts that declare `input` (the file's format); stamp-rows does not"],
    [["import-partners"], "data-script: script import-partners reads its inputs from a file: pass --input <file> (CSV or JSON lines, optionally gzipped; - for standard input)"],
    [["run", "--pending", "--input", "test/fixtures/inputs/entities.ts"], "data-script: --input is one script's file: run that script by name (data-script <script> --input <file>)"],
  ])("%j", async (args, message) => {
    // No database at all: refused before one is needed.
    const result = await inputsProject.cli(null, args, { env: { DATABASE_URL: "postgres://app@127.0.0.1:1/none" } });
    expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 2, stderr: message });
  });
});
