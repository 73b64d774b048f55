import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestDatabase } from "../support/database";
import { faultsCli, faultsDatabase, runRows, STACK_FRAME } from "./support";

/**
 * Odd inputs get a clear message and the right exit code, never a hang, a raw driver error or a
 * run left `running`. Each case: what the user sees (exit code, message) and what the tables hold.
 */
describe("robustness", () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await faultsDatabase("robustness");
    dir = mkdtempSync(join(tmpdir(), "ds-robust-"));
  });
  afterAll(() => db.drop());

  const expectUsage = (result: { code: number | null; stderr: string }, message: string) => {
    expect(result.stderr).toContain(`data-script: ${message}`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.code).toBe(2);
  };

  describe("--params-file takes a regular file of at most 1 MB", () => {
    test("a named pipe: refused at once (no hang), exit 2", async () => {
      const fifo = join(dir, "params.fifo");
      execFileSync("mkfifo", [fifo]);
      const started = Date.now();
      const result = await faultsCli(db, ["touch", "--params-file", fifo], { timeoutMs: 20_000 });
      expectUsage(result, `--params-file ${fifo} is not a regular file (a named pipe): give a JSON file`);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    test("/dev/zero and a directory: refused, exit 2", async () => {
      expectUsage(await faultsCli(db, ["touch", "--params-file", "/dev/zero"], { timeoutMs: 20_000 }), "--params-file /dev/zero is not a regular file (a device)");
      const folder = join(dir, "a-folder");
      mkdirSync(folder);
      expectUsage(await faultsCli(db, ["touch", "--params-file", folder]), `--params-file ${folder} is not a regular file (a directory)`);
    });

    test("a file over the cap: refused naming its size and the cap, nothing run", async () => {
      const big = join(dir, "big.json");
      writeFileSync(big, JSON.stringify({ payload: "x".repeat(1_100_000) }));
      expectUsage(await faultsCli(db, ["touch", "--params-file", big]), `--params-file ${big} is 1,100,014 bytes: a params file may hold at most 1,048,576`);
      expect(await runRows(db, "touch")).toEqual([]);
    });
  });

  describe("typed parameters", () => {
    test("a schema transform that throws: exit 2, naming the script and the parameter", async () => {
      const result = await faultsCli(db, ["throwing-params", "--param", "limit=boom"]);
      expectUsage(result, "script throwing-params: its parameter schema threw while checking parameter limit: the limit service is down");
      expect(await runRows(db, "throwing-params")).toEqual([]);
    });

    test("a refinement that throws: exit 2, naming the parameter", async () => {
      const result = await faultsCli(db, ["throwing-params", "--param", "limit=5", "--param", "region=mars"]);
      expectUsage(result, "script throwing-params: its parameter schema threw while checking parameter region: cannot read the region list");
    });

    test("constructor=… and __proto__=… are unknown keys to a schema that does not declare them", async () => {
      for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
        const result = await faultsCli(db, ["secret-token", "--param", "apiToken=a-long-enough-token", "--param", `${key}=x`]);
        expectUsage(result, `script secret-token: unknown parameter "${key}"`);
      }
      const file = join(dir, "proto.json");
      writeFileSync(file, `{"apiToken": "a-long-enough-token", "__proto__": {"polluted": true}}`);
      expectUsage(await faultsCli(db, ["secret-token", "--params-file", file]), `script secret-token: unknown parameter "__proto__"`);
      expect(await runRows(db, "secret-token")).toEqual([]);
    });
  });

  test("a mutate error whose message holds a NUL: the run ends failed (not left running), the error stored with \\u0000", async () => {
    const result = await faultsCli(db, ["nul-error", "--workers", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("mutate threw on Gadget row 150 (chunk 2): bad byte");
    const runs = await runRows(db, "nul-error");
    expect(runs.map((r) => r.status)).toEqual(["failed"]);
    expect(runs[0].error).toContain("bad byte \\u0000 in the payload");
    const [chunk] = await db.query<{ status: string; error: string }>(
      `SELECT c.status, c.error FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.script = 'nul-error' AND c.chunk_no = 2`,
    );
    expect(chunk.status).toBe("failed");
    expect(chunk.error).toContain("\\u0000");
  });
});
