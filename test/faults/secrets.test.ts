import { randomBytes } from "node:crypto";
import { createPasswordRole, type PasswordRole, type TestDatabase } from "../support/database";
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../support/cli";
import { expectImportedOnce, inputsProject, savedChunks, scratchDir, waitForOrphans, writeFeed } from "../support/inputs";
import { faultsCli, faultsDatabase, runRows, startFaultsCli } from "./support";

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

async function expectLedgerClean(db: TestDatabase, fragments = FRAGMENTS) {
  for (const [table, text] of Object.entries(await ledgerText(db))) {
    for (const fragment of fragments) expect({ table, leaked: text.includes(fragment) }).toEqual({ table, leaked: false });
  }
}

const CHECKSUM = /^<secret sha256:[0-9a-f]{8}>$/;

async function latestParams(db: TestDatabase, script: string): Promise<Record<string, unknown>> {
  const [run] = await db.query<{ params: Record<string, unknown> }>(`SELECT params FROM data_script_runs WHERE script = $1 ORDER BY id DESC LIMIT 1`, [script]);
  return run.params;
}

describe("secrets", () => {
  let db: TestDatabase;
  const role = `ds_secrets_${randomBytes(4).toString("hex")}`;
  let url: string;
  let passwordRole: PasswordRole;
  beforeAll(async () => {
    db = await faultsDatabase("secrets");
    passwordRole = await createPasswordRole(db, role, PASSWORD);
    url = passwordRole.url;
  });
  afterAll(async () => {
    await passwordRole?.drop();
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

  describe("secret parameters (static secretParams)", () => {
    const token = () => `tok-${randomBytes(8).toString("hex")}-KEY`;

    test("typed: validated and passed to the workers, stored as a checksum only, never shown by status", async () => {
      const TOKEN = token();
      const result = await faultsCli(db, ["secret-token", "--param", `apiToken=${TOKEN}`, "--workers", "2", "--json"]);
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      // The workers had it: every note is the token reversed.
      const notes = await db.query<{ note: string; n: string }>(`SELECT note, count(*) n FROM gadgets GROUP BY note`);
      expect(notes).toEqual([{ note: [...TOKEN].reverse().join(""), n: "250" }]);
      const params = await latestParams(db, "secret-token");
      expect(params).toEqual({ apiToken: expect.stringMatching(CHECKSUM), region: "eu", sleepMs: 0 });
      await expectLedgerClean(db, [TOKEN]);
      for (const args of [["status"], ["status", "--json"], ["check", "--json"]]) {
        const status = await faultsCli(db, args);
        expect(status.stdout).not.toContain(TOKEN);
        if (args[0] === "status") expect(status.stdout).toContain(String(params.apiToken));
      }
    });

    test("a bad secret value is refused without quoting it", async () => {
      const result = await faultsCli(db, ["secret-token", "--param", "apiToken=shorty1", "--force"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("data-script: script secret-token: parameter apiToken:");
      expect(result.stderr).not.toContain("shorty1");
    });

    test("resumed with another secret: refused naming the checksums, not the values; with the same one it completes exactly once", async () => {
      const [T1, T2] = [token(), token()];
      await db.query(`UPDATE gadgets SET counter = 0`);
      const first = startFaultsCli(db, ["secret-token", "--param", `apiToken=${T1}`, "--param", "sleepMs=20", "--workers", "1", "--force"]);
      await waitFor(async () => {
        const [{ n }] = await db.query<{ n: number }>(
          `SELECT count(*)::int n FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.script = 'secret-token' AND r.status = 'running' AND c.status IN ('saved', 'done')`,
        );
        return n >= 1;
      });
      first.child.kill("SIGKILL");
      await first.done;
      await waitForOrphans(db);
      const other = await faultsCli(db, ["secret-token", "--param", `apiToken=${T2}`]);
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/started with other parameters: apiToken "<secret sha256:[0-9a-f]{8}>" then, "<secret sha256:[0-9a-f]{8}>" now/);
      expect(other.stderr).not.toContain(T1);
      expect(other.stderr).not.toContain(T2);
      const same = await faultsCli(db, ["secret-token", "--param", `apiToken=${T1}`, "--param", "sleepMs=20", "--workers", "2"]);
      expect(same.code).toBe(0);
      expect(same.stderr).toContain("(resumed)");
      expect(await db.query(`SELECT counter, count(*)::int n FROM gadgets GROUP BY counter`)).toEqual([{ counter: 1, n: 250 }]);
      await expectLedgerClean(db, [T1, T2]);
    });

    test("untyped (--param strings, no schema): stored as a checksum; a script error quoting it is masked in the output and the ledger", async () => {
      const TOKEN = token();
      const ok = await faultsCli(db, ["secret-untyped", "--param", `apiToken=${TOKEN}`, "--param", "note=kept"]);
      expect(ok.code).toBe(0);
      expect(await latestParams(db, "secret-untyped")).toEqual({ apiToken: expect.stringMatching(CHECKSUM), note: "kept" });
      expect((await db.query(`SELECT DISTINCT note FROM gadgets`))).toEqual([{ note: `token of ${TOKEN.length}` }]);
      const leaking = await faultsCli(db, ["secret-untyped", "--param", `apiToken=${TOKEN}`, "--param", "leak=1", "--force", "--workers", "2"]);
      expect(leaking.code).toBe(1);
      expect(leaking.stderr).toContain("the API refused token ***");
      expect(leaking.stderr).not.toContain(TOKEN);
      await expectLedgerClean(db, [TOKEN]);
    });

    test("plain status masks what status --json masks (a URL's password, a secret-looking name) and cuts a long value", async () => {
      const dir = mkdtempSync(join(tmpdir(), "ds-secrets-"));
      const file = join(dir, "params.json");
      writeFileSync(file, JSON.stringify({ payload: "x".repeat(500_000) }));
      const dsn = `postgres://reporter:${PASSWORD}@reports.example/db`;
      const run = await faultsCli(db, ["touch", "--params-file", file, "--param", `dsn=${dsn}`, "--param", "smtpPassword=hunter2-Mail", "--force", "--workers", "1"]);
      expect(run.code).toBe(0);
      const plain = await faultsCli(db, ["status"]);
      const json = await faultsCli(db, ["status", "--json"]);
      for (const out of [plain.stdout, json.stdout]) {
        expect(out).not.toContain(PASSWORD);
        expect(out).not.toContain("hunter2-Mail");
        expect(out).toContain("postgres://reporter:***@reports.example/db");
      }
      const touchLine = plain.stdout.split("\n").find((line) => line.startsWith("touch "))!;
      expect(touchLine).toContain("smtpPassword=***");
      expect(touchLine).toContain(`payload=${"x".repeat(80)}… (500,000 characters; status --json shows it whole)`);
      expect(touchLine.length).toBeLessThan(1_000);
      const shown = (JSON.parse(json.stdout) as { script: string; params: Record<string, string> }[]).find((s) => s.script === "touch")!;
      expect(shown.params.payload.length).toBe(500_000);
      expect(shown.params.smtpPassword).toBe("***");
    });
  });
});

describe("standard input's copy", () => {
  let db: TestDatabase;
  let cache: string;
  let dir: string;
  beforeAll(async () => {
    db = await inputsProject.database("secrets_stdin");
    cache = mkdtempSync(join(tmpdir(), "ds-cache-"));
    dir = scratchDir();
  });
  afterAll(async () => {
    rmSync(cache, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });
  const env = () => ({ env: { DATA_SCRIPT_CACHE_DIR: cache } });
  const piped = (args: string[], file: string) => {
    const started = inputsProject.start(db, ["import-partners", "--input", "-", ...args], env());
    started.child.stdin!.on("error", () => undefined);
    createReadStream(file).pipe(started.child.stdin!);
    return started;
  };
  const spooled = () => (existsSync(join(cache, "stdin")) ? readdirSync(join(cache, "stdin")) : []);
  const tmpCopies = () => readdirSync(tmpdir()).filter((name) => name.startsWith("data-script-stdin-"));

  test("kept in the app's cache under the run's name while the run is unfinished (named in the output), deleted once it completes", async () => {
    const before = tmpCopies();
    const file = join(dir, "feed.csv");
    const feed = await writeFeed(file, "csv", 40_000);
    const first = piped(["--workers", "1", "--pause-ms", "400"], file);
    await waitFor(async () => (await savedChunks(db, "import-partners")) >= 2);
    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.stderr).toContain("import-partners: interrupted");
    expect(stopped.code).toBe(130);
    const kept = join(cache, "stdin", "import-partners.run-1.input");
    expect(stopped.stderr).toContain(`standard input's copy is kept at ${kept} (run #1): resume with data-script import-partners --input ${kept}`);
    expect(spooled()).toEqual(["import-partners.run-1.input"]);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(tmpCopies()).toEqual(before); // nothing in the system's temporary folder

    const resumed = await inputsProject.cli(db, ["import-partners", "--input", kept, "--workers", "2"], env());
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("(resumed)");
    await expectImportedOnce(db, feed.partners);
    expect(spooled()).toEqual([]);
  });

  test("a SIGKILLed run's copy stays in the cache under its run, and goes when the run completes from standard input again", async () => {
    const file = join(dir, "feed2.csv");
    await writeFeed(file, "csv", 40_000);
    const first = piped(["--workers", "1", "--pause-ms", "400", "--force"], file);
    await waitFor(async () => {
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int n FROM data_script_chunks WHERE run_id = 2 AND status IN ('saved', 'done')`,
      );
      return n >= 2;
    });
    first.child.kill("SIGKILL");
    await first.done;
    await waitForOrphans(db);
    expect(spooled()).toEqual(["import-partners.run-2.input"]);
    const again = await piped(["--workers", "1"], file).done;
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("(resumed)");
    expect(spooled()).toEqual([]);
  });
});
