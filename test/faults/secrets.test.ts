import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { TestDatabase } from "../support/database";
import { faultsCli, faultsDatabase, runRows } from "./support";

/**
 * Secrets: no password, no token, in any output or in any ledger row. Every text the ledger keeps
 * about what went wrong is redacted where it is written, as the output is (src/ledger/stored-text.ts).
 */

const PASSWORD = `Pw-${randomBytes(6).toString("hex")}-Secret`;
const FRAGMENTS = [PASSWORD, PASSWORD.slice(3, 15), encodeURIComponent(PASSWORD)];

function expectNoPassword(result: { stdout: string; stderr: string }) {
  for (const fragment of FRAGMENTS) {
    expect(result.stdout).not.toContain(fragment);
    expect(result.stderr).not.toContain(fragment);
  }
}

/** Every row of every ledger table, each as JSON text: whatever column it is, a secret in it shows up here. */
async function ledgerText(db: TestDatabase): Promise<Record<string, string>> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'data\\_script\\_%' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    const [row] = await db.query<{ text: string | null }>(`SELECT string_agg(row_to_json(t)::text, E'\\n') AS text FROM "${table_name}" t`);
    out[table_name] = row.text ?? "";
  }
  return out;
}

async function expectLedgerClean(db: TestDatabase) {
  for (const [table, text] of Object.entries(await ledgerText(db))) {
    for (const fragment of FRAGMENTS) expect({ table, leaked: text.includes(fragment) }).toEqual({ table, leaked: false });
  }
}

describe("secrets", () => {
  let db: TestDatabase;
  const role = `ds_secrets_${randomBytes(4).toString("hex")}`;
  let url: string;
  beforeAll(async () => {
    db = await faultsDatabase("secrets");
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await admin.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
    await admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
    await admin.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    await admin.end();
    const u = new URL(db.url);
    u.username = role;
    u.password = PASSWORD;
    url = u.toString();
  });
  afterAll(async () => {
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`DROP OWNED BY ${role}`);
    await admin.end();
    const server = new Client({ connectionString: process.env.TEST_SERVER_URL });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${role}`);
    await server.end();
    await db.drop();
  });
  const cli = (args: string[]) => faultsCli(null, args, { env: { DATABASE_URL: url } });

  describe("errors stored in the ledger are redacted as the output is", () => {
    test("a connection error quoting the URL with its password, from mutate in worker processes: not in the runs', chunks' or participants' rows", async () => {
      const result = await cli(["leaky-error", "--workers", "2", "--param", "in=mutate"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("chunk 2 failed: mutate threw on Gadget row 150 (chunk 2): cannot reach the pricing database postgres://");
      expect(result.stderr).toContain("ECONNREFUSED 127.0.0.1:1");
      expectNoPassword(result);
      const [run] = await db.query<{ error: string; stop_error: string }>(`SELECT error, stop_error FROM data_script_runs WHERE script = 'leaky-error' ORDER BY id DESC LIMIT 1`);
      // The error is recorded, with the password masked.
      expect(run.error).toContain(`postgres://${role}:***@127.0.0.1:1/`);
      expect(run.error).toContain("(password ***)");
      expect(run.stop_error).toContain("(password ***)");
      const chunks = await db.query<{ error: string }>(`SELECT c.error FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.script = 'leaky-error' AND c.error IS NOT NULL`);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks[0].error).toContain("(password ***)");
      const participants = await db.query<{ error: string }>(`SELECT p.error FROM data_script_participants p JOIN data_script_runs r ON r.id = p.run_id WHERE r.script = 'leaky-error' AND p.error IS NOT NULL`);
      expect(participants.length).toBeGreaterThan(0);
      await expectLedgerClean(db);
    });

    test("the same error thrown by setup, in-process: not in the ledger", async () => {
      const result = await cli(["leaky-error", "--workers", "1", "--param", "in=setup", "--restart", "--verbose"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("setup() threw");
      expectNoPassword(result);
      expect((await runRows(db, "leaky-error")).at(-1)!.error).toContain("(password ***)");
      await expectLedgerClean(db);
    });

    test("under --continue-on-error, the row's failure (written by a worker): not in data_script_failures", async () => {
      const result = await cli(["leaky-error", "--workers", "2", "--param", "in=mutate", "--continue-on-error", "--restart", "--json"]);
      expect(result.code).toBe(1);
      expectNoPassword(result);
      const failures = await db.query<{ error: string }>(`SELECT f.error FROM data_script_failures f JOIN data_script_runs r ON r.id = f.run_id WHERE r.script = 'leaky-error'`);
      expect(failures.length).toBe(1);
      expect(failures[0].error).toContain("(password ***)");
      await expectLedgerClean(db);
    });
  });
});
