import { createServer, type Server, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { waitFor } from "../support/cli";
import { createPasswordRole, type PasswordRole, type TestDatabase } from "../support/database";
import { faultsCli, faultsDatabase, runRows, startFaultsCli, STACK_FRAME } from "./support";

/**
 * The database goes wrong: not there, not answering, not the right one, or a
 * connection killed mid-run. A clear message, the right exit code, never a
 * hang, never the password, and a ledger a rerun can resume from.
 * (A worker's connection killed mid-run and retried: test/production-safety.test.ts.)
 */

// A password no output may ever contain, and pieces of it a sloppy redaction could leave behind.
const PASSWORD = `Pw-${randomBytes(6).toString("hex")}-Secret`;
const FRAGMENTS = [PASSWORD, PASSWORD.slice(3, 15), encodeURIComponent(PASSWORD)];

function expectNoPassword(result: { stdout: string; stderr: string }, password = PASSWORD) {
  for (const fragment of [password, ...FRAGMENTS]) {
    expect(result.stdout).not.toContain(fragment);
    expect(result.stderr).not.toContain(fragment);
  }
}

function serverUrl(): URL {
  return new URL(process.env.TEST_SERVER_URL!);
}

describe("database faults", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await faultsDatabase("database_faults");
  });
  afterAll(() => db.drop());

  test("server down at start (a closed port): exit 2 at once, a clear message, no password — for run, status and check", async () => {
    const url = `postgres://app:${PASSWORD}@127.0.0.1:1/shop`;
    for (const args of [["touch"], ["touch", "--verbose"], ["touch", "--json"], ["status"], ["check", "--json"]]) {
      const started = Date.now();
      const result = await faultsCli(null, args, { env: { DATABASE_URL: url } });
      expect(result.code).toBe(2);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(result.stderr).toContain("data-script: cannot connect to the database at postgres://app@127.0.0.1:1/shop: connect ECONNREFUSED 127.0.0.1:1");
      if (!args.includes("--verbose")) expect(result.stderr).not.toMatch(STACK_FRAME);
      expectNoPassword(result);
    }
  });

  describe("a server that accepts connections and never answers", () => {
    let silent: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    test("no hang: the default connect timeout (10 s) gives exit 2 and says how to change it", async () => {
      const { port } = silent.address() as { port: number };
      const started = Date.now();
      const result = await faultsCli(null, ["touch"], { env: { DATABASE_URL: `postgres://app:${PASSWORD}@127.0.0.1:${port}/shop` }, timeoutMs: 40_000 });
      const elapsed = Date.now() - started;
      expect(result.signal).toBeNull(); // not killed by the test's own time limit
      expect(result.code).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(9_000);
      expect(elapsed).toBeLessThan(25_000);
      expect(result.stderr).toContain(`cannot connect to the database at postgres://app@127.0.0.1:${port}/shop: Connection terminated due to connection timeout`);
      expect(result.stderr).toContain("no answer within 10000 ms; the data source's connectTimeoutMS sets the limit");
      expectNoPassword(result);
    });
  });

  test("the real server, a database that does not exist: exit 2, the server's reason, no password", async () => {
    const url = serverUrl();
    url.password = PASSWORD;
    url.pathname = "/no_such_database_here";
    const result = await faultsCli(null, ["touch", "--verbose"], { env: { DATABASE_URL: url.toString() } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot connect to the database at postgres://${url.username}@${url.host}/no_such_database_here: `);
    // Trust authentication ignores the password (then the database is missing); password authentication refuses it.
    expect(result.stderr).toMatch(/database "no_such_database_here" does not exist|password authentication failed/);
    expectNoPassword(result);
  });

  test("a URL whose password has an unencoded @ or #: refused before connecting, the URL not shown", async () => {
    const sloppy = `p@ss#${PASSWORD}`; // `#` starts a URL fragment: a driver would take part of the password for the host
    for (const url of [`postgres://app:${sloppy}@127.0.0.1:1/shop`, `postgres://app:${PASSWORD}@[not-a-host/shop`]) {
      const result = await faultsCli(null, ["touch", "--verbose", "--json"], { env: { DATABASE_URL: url } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/the database URL (does not parse as written: its password has characters that must be percent-encoded|is not a valid URL)/);
      expectNoPassword(result, sloppy);
      expect(result.stderr).not.toContain("ss#");
    }
  });

  describe("a role with a distinctive password, on the real server", () => {
    const role = `ds_faults_${randomBytes(4).toString("hex")}`;
    let url: string;
    let passwordRole: PasswordRole;
    beforeAll(async () => {
      passwordRole = await createPasswordRole(db, role, PASSWORD);
      url = passwordRole.url;
    });
    afterAll(async () => {
      await passwordRole?.drop();
    });

    test("a run that fails, a run that succeeds, status --json: the password appears nowhere", async () => {
      const failing = await faultsCli(null, ["mutate-throws", "--workers", "2", "--param", "failAt=150", "--verbose"], { env: { DATABASE_URL: url } });
      expect(failing.code).toBe(1);
      expect(failing.stderr).toContain("mutate threw on Gadget row 150");
      expectNoPassword(failing);
      const ok = await faultsCli(null, ["touch", "--workers", "2", "--json"], { env: { DATABASE_URL: url } });
      expect(ok.code).toBe(0);
      expectNoPassword(ok);
      const status = await faultsCli(null, ["status", "--json"], { env: { DATABASE_URL: url } });
      expect(status.code).toBe(0);
      expectNoPassword(status);
      const ledger = await db.query<{ text: string }>(`SELECT coalesce(string_agg(concat_ws('|', error, host), ','), '') text FROM data_script_runs`);
      expect(ledger[0].text).not.toContain(PASSWORD);
    });
  });

  test("the parent's own ledger connection killed mid-run: a clear message, exit 1, nothing half-written; the rerun resumes and completes", async () => {
    const base = new Map((await db.query<{ id: number; counter: number }>(`SELECT id, counter FROM gadgets`)).map((g) => [g.id, g.counter]));
    const [{ last }] = await db.query<{ last: number }>(`SELECT coalesce(max(id), 0) last FROM gadget_audit`);
    /** Gadgets slow-touch changed so far, and the rows its ledger records as saved. */
    const progress = async () => {
      const gadgets = await db.query<{ id: number; counter: number }>(`SELECT id, counter FROM gadgets`);
      const [{ recorded }] = await db.query<{ recorded: string }>(
        `SELECT coalesce(sum(c.rows), 0) recorded FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id
         WHERE r.script = 'slow-touch' AND c.status IN ('saved', 'done')`,
      );
      const steps = gadgets.map((g) => g.counter - base.get(g.id)!);
      return { changed: steps.filter((d) => d === 1).length, wrong: steps.filter((d) => d !== 0 && d !== 1).length, recorded: Number(recorded) };
    };

    const run = startFaultsCli(db, ["slow-touch", "--workers", "2", "--param", "sleepMs=300"]);
    await waitFor(async () => (await progress()).recorded >= 50);
    // Every connection of the run: the parent's (application_name data-script) and the workers'.
    const killed = await db.query<{ application_name: string }>(
      `SELECT application_name, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(killed.map((k) => k.application_name)).toContain("data-script");
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("data-script: lost the connection to the database");
    expect(result.stderr).toContain("run the same command again to resume where it stopped");
    expect(result.stderr).not.toMatch(STACK_FRAME);
    // Each chunk is in the table and in the ledger together, or in neither.
    const after = await progress();
    expect(after.wrong).toBe(0);
    expect(after.changed).toBe(after.recorded);

    const rerun = await faultsCli(db, ["slow-touch", "--workers", "2", "--param", "sleepMs=0"]);
    expect(rerun.code).toBe(0);
    expect(await progress()).toEqual({ changed: 250, wrong: 0, recorded: 250 }); // every gadget exactly once
    const [audit] = await db.query<{ n: string; ids: string }>(`SELECT count(*) n, count(DISTINCT "gadgetId") ids FROM gadget_audit WHERE id > $1`, [last]);
    expect(audit).toEqual({ n: "250", ids: "250" }); // one audit row per gadget
    expect((await runRows(db, "slow-touch")).map((r) => r.status)).toEqual(["completed"]);
  });
});
