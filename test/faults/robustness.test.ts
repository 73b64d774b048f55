import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { randomBytes } from "node:crypto";
import { waitFor } from "../support/cli";
import type { TestDatabase } from "../support/database";
import { inputsProject } from "../support/inputs";
import { faultsCli, faultsDatabase, gadgetsChecksum, runRows, startFaultsCli, STACK_FRAME } from "./support";

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

  test("a where() that forgets to return the query builder: exit 2, naming where()", async () => {
    const before = await gadgetsChecksum(db);
    const result = await faultsCli(db, ["where-forgets", "--workers", "1"]);
    expectUsage(result, "WhereForgets.where() must return the query builder it is given (return qb.where(…)); it returned undefined");
    expect(await gadgetsChecksum(db)).toBe(before);
  });

  test("the same upsert key twice in one chunk: the message names the key and its value, not `row undefined`", async () => {
    const result = await faultsCli(db, ["dup-upsert", "--workers", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Gadget with code=\"DUP-1\" appears twice in one chunk (the upsert key code must be unique within a chunk)");
    expect(result.stderr).not.toContain("undefined");
    expect(await db.query(`SELECT id FROM gadgets WHERE id > 2000`)).toEqual([]);
  });

  test("an --input that exists but cannot be read: named, exit 2", async () => {
    const result = await inputsProject.cli(null, ["import-partners", "--input", "/proc/self/mem"], { env: { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    expectUsage(result, "--input /proc/self/mem cannot be read: EIO");
  });

  describe("a role without CREATE on the schema", () => {
    let fresh: TestDatabase;
    const role = `ds_nocreate_${randomBytes(4).toString("hex")}`;
    beforeAll(async () => {
      fresh = await faultsDatabase("robust_nocreate");
      await fresh.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await fresh.query(`CREATE ROLE ${role} LOGIN PASSWORD 'nocreate-pw'`);
      await fresh.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await fresh.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
    });
    afterAll(async () => {
      await fresh.query(`DROP OWNED BY ${role}`);
      const server = new Client({ connectionString: process.env.TEST_SERVER_URL });
      await server.connect();
      await fresh.drop();
      await server.query(`DROP ROLE IF EXISTS ${role}`);
      await server.end();
    });

    test("run and check: exit 2 (not check's 1, which means pending), saying the ledger is being created and what to grant", async () => {
      const u = new URL(fresh.url);
      u.username = role;
      u.password = "nocreate-pw";
      for (const args of [["touch", "--workers", "1"], ["check"], ["status"]]) {
        const result = await faultsCli(null, args, { env: { DATABASE_URL: u.toString() } });
        expectUsage(result, "cannot create or upgrade the ledger tables (data_script_runs, data_script_chunks, …) in schema public: permission denied for schema public");
        expect(result.stderr).toContain(`GRANT CREATE ON SCHEMA public TO ${role}`);
        expect(result.stderr).toContain(`ALTER ROLE ${role} SET search_path = data_script, public`);
      }
    });
  });

  describe("a ledger altered by hand", () => {
    test("a dropped column: the message says the ledger was altered, exit 2", async () => {
      const altered = await faultsDatabase("robust_altered");
      try {
        expect((await faultsCli(altered, ["touch", "--workers", "1"])).code).toBe(0);
        await altered.query(`ALTER TABLE data_script_runs DROP COLUMN input_name`);
        const result = await faultsCli(altered, ["touch", "--workers", "1", "--force"]);
        expectUsage(result, `the ledger was altered by hand: column "input_name" of relation "data_script_runs" does not exist`);
      } finally {
        await altered.drop();
      }
    });

    test("the run's row deleted while its only participant works: not 'evicted, the others carry the run'", async () => {
      const run = startFaultsCli(db, ["slow-touch", "--workers", "1", "--param", "sleepMs=200"]);
      await waitFor(async () => {
        const [{ n }] = await db.query<{ n: number }>(
          `SELECT count(*)::int n FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.script = 'slow-touch' AND c.status IN ('saved', 'done')`,
        );
        return n >= 1;
      });
      // Back-to-back chunk transactions each hold the run's row (their before-images reference it), so a DELETE
      // would wait for the run's end. Paused, no chunk is in flight: the row goes at once, as a person would delete it.
      expect((await faultsCli(db, ["pause", "slow-touch"])).code).toBe(0);
      await db.query(`SET lock_timeout = '2s'`);
      await waitFor(async () => {
        await db.query(`DELETE FROM data_script_runs WHERE script = 'slow-touch'`);
        return true;
      });
      await db.query(`RESET lock_timeout`);
      const result = await run.done;
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the ledger was altered while run #");
      expect(result.stderr).not.toContain("the others carry the run");
      expect(result.stderr).not.toMatch(STACK_FRAME);
    });
  });
});
