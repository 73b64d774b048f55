import { rmSync } from "node:fs";
import { join } from "node:path";
import { barLine, progressLine, type ProgressState } from "../src/runtime/progress-text";
import { ROOT, runCli } from "./support/cli";
import { countersDatabase } from "./support/counters";
import type { TestDatabase } from "./support/database";
import { inputsProject, scratchDir, writeFeed } from "./support/inputs";

/**
 * What a user watching a run sees: the live bar in terminals of every width
 * (a pseudo-terminal, through util-linux `script`), and the plain lines of a
 * CI log: no made-up total for a source-kind run, and the reason on every line
 * printed while the run holds.
 */
const COUNTERS = ["-d", "test/fixtures/counters/ormconfig.ts"];
const BIN = join(ROOT, "bin", "data-script.js");



function runScript(command: string, env: Record<string, string>) {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: "0", CI: "", ...env } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Each state of the bar the terminal showed: the text between carriage returns, escape sequences removed. */
function barFrames(output: string): string[] {
  // The bar redraws from column 1 (ESC [1G) and then clears the rest of the line.
  return output
    .split(/\x1b\[1G|[\r\n]+/)
    .map((frame) => frame.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, ""))
    .filter((line) => /rows\/s/.test(line) && / ETA /.test(line));
}

describe("the live bar in a pseudo-terminal", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await countersDatabase(5_000);
  });
  afterAll(async () => {
    await db.drop();
  });

  test.each([80, 120, 60])("at %i columns every frame fits (width - 1) and shows rows, rows/s and an ETA with its value", async (columns) => {
    const result = await runScript(
      `stty cols ${columns} rows 24; exec '${process.execPath}' '${BIN}' increment --force --workers 1 --param sleepMs=100 --scripts test/fixtures/counters/scripts ${COUNTERS.join(" ")}`,
      { DATABASE_URL: db.url },
    );
    expect(result.code).toBe(0);
    const frames = barFrames(result.output);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const frame of frames) {
      expect(frame.length).toBeLessThanOrEqual(columns - 1);
      expect(frame).toMatch(/\b\d+ rows \| \d+ rows\/s \| ETA (\d+s|\d+m\d\ds|\d+h\d\dm|\?)/);
    }
    // The last frame is the finished run: every row, ETA 0s, and (at 80 columns and up) the chunks.
    const last = frames[frames.length - 1];
    expect(last).toMatch(/5000 rows \| \d+ rows\/s \| ETA 0s/);
    if (columns >= 80) expect(last).toContain("chunks 10/10");
    if (columns >= 120) expect(last).toMatch(/^increment \| \[█+\] \| 100% \|/);
  });

  test("from 60 to 200 columns, a long name and a hold: rows, rows/s, ETA and the hold's reason stay, the line fits", () => {
    const now = Date.now();
    const state: ProgressState = {
      script: "2024-11-backfill-the-normalised-email-addresses-of-every-user",
      workers: 2,
      startedAt: now - 30_000,
      chunksDone: 1234,
      chunksTotal: 5000,
      totalKnown: true,
      rows: 1_234_000,
      held: { reason: "replication lag 14.2 s > 10 s (standby replica1)", since: now - 12_000 },
    };
    for (let width = 60; width <= 200; width++) {
      const line = barLine(state, width, now);
      expect(line.length).toBeLessThanOrEqual(width - 1);
      expect(line).toMatch(/1234000 rows \| 41133 rows\/s \| ETA 1m32s \| held 12 s: /);
    }
    expect(barLine(state, 200, now)).toContain("held 12 s: replication lag 14.2 s > 10 s (standby replica1) | chunks 1234/5000 | 2 workers");
    expect(progressLine(state, now)).toBe(
      "2024-11-backfill-the-normalised-email-addresses-of-every-user: 1234/5000 chunks, 1234000 rows, 41133 rows/s, ETA 1m32s, held 12 s: replication lag 14.2 s > 10 s (standby replica1)",
    );
  });
});

describe("plain progress lines (a CI log)", () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await inputsProject.database("progress_source");
    dir = scratchDir();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  test("a source-kind run shows chunks and rows so far and how much of its --input was read; a total only once it is known", async () => {
    const file = join(dir, "feed.csv");
    await writeFeed(file, "csv", 20_000);
    const run = await runCli(
      ["import-partners", "--input", file, "--workers", "1", "--chunk-size", "500", "--pause-ms", "300", "--scripts", "test/fixtures/inputs/scripts", "-d", "test/fixtures/inputs/ormconfig.ts"],
      { env: { DATABASE_URL: db.url } },
    );
    expect(run.code).toBe(0);
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("import-partners: "));
    expect(lines[0]).toBe("import-partners: streaming source (no total until it is read), 1 worker");
    const chunksTotal = Number(/chunks: (\d+) of (\d+)/.exec(run.stderr)?.[2]);
    const progress = lines.slice(1).filter((l) => /rows\/s/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const line of progress) {
      const known = /^import-partners: (\d+)\/(\d+) chunks, \d+ rows, \d+ rows\/s, ETA \S+$/.exec(line);
      if (known) expect(Number(known[2])).toBe(chunksTotal); // never a total smaller than the run's
      else expect(line).toMatch(/^import-partners: \d+ chunks, \d+ rows so far, \d+ rows\/s, \d+% of the input read, ETA \S+$/);
    }
    expect(progress.some((l) => /rows so far/.test(l))).toBe(true);
  });

  test("every line printed while the run holds says why, whichever of the hold and the heartbeat's update prints it", async () => {
    const counters = await countersDatabase(2_000);
    try {
      const run = await runCli(["held-bump", "--workers", "1", "--scripts", "test/fixtures/progress/scripts", ...COUNTERS], {
        env: { DATABASE_URL: counters.url, HOLD_MS: "12000" },
      });
      expect(run.code).toBe(0);
      const lines = run.stderr.split("\n").filter((l) => l.startsWith("held-bump: "));
      const from = lines.findIndex((l) => /held \d+ s/.test(l));
      const to = lines.findIndex((l) => /going on after a hold of \d+ s/.test(l));
      expect(from).toBeGreaterThan(0);
      expect(to).toBeGreaterThan(from);
      const whileHeld = lines.slice(from, to);
      expect(whileHeld.length).toBeGreaterThanOrEqual(2); // the start, then a line every 5 s
      for (const line of whileHeld) expect(line).toMatch(/held \d+ s: the script's throttle\(\): paused by the test/);
      expect(whileHeld.slice(1).some((l) => / chunks, \d+ rows, /.test(l))).toBe(true); // the progress itself too
    } finally {
      await counters.drop();
    }
  });
});
