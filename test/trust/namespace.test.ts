import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runCli } from "../support/cli";
import type { TestDatabase } from "../support/database";
import { runsOf, trust } from "./support";

// Class: "one app's runs are never another's" — every lookup of a script's runs (status, check,
// run --pending, the start decision, revert, prune) and the script's lock are within the app's namespace.
jest.setTimeout(120_000);

const A = ["--namespace", "app-a"];
const B = ["--namespace", "app-b", "--scripts", "test/fixtures/trust/app-b"];

let db: TestDatabase;
beforeEach(async () => {
  db = await trust.database("trust_ns");
  await db.query(`INSERT INTO items (sku, name, qty) SELECT 'S' || g, 'item ' || g, g FROM generate_series(1, 100) g`);
});
afterEach(async () => {
  await db.drop();
});

// The fixture project passes its own --scripts last: app B's folder must win, so B's args go after it.
const appA = (...args: string[]) => trust.cli(db, [...args, ...A, "--workers", "1"]);
// Only the commands that run chunks take --workers.
const workers = (args: string[]) => (["status", "check", "prune"].includes(args[0]) ? [] : ["--workers", "1"]);
const appB = (...args: string[]) => runCli([...args, "-d", "test/fixtures/trust/ormconfig.ts", "--no-progress", ...B, ...workers(args)], { env: { DATABASE_URL: db.url } });
const sums = async () => (await db.query<{ a: string; q: string }>(`SELECT count(*) FILTER (WHERE name LIKE '%a') a, sum(qty) q FROM items`))[0];

test("app B's `shared` is not app A's: not skipped, pending in B's check, run by B's run --pending", async () => {
  expect((await appA("shared")).code).toBe(0);
  expect(await sums()).toEqual({ a: "100", q: "5050" });
  const check = await appB("check");
  expect(check.code).toBe(1);
  expect(check.stdout).toMatch(/shared\s+pending/);
  const pending = await appB("run", "--pending");
  expect(pending.code).toBe(0);
  expect(pending.stderr).toContain("shared: completed");
  expect(await sums()).toEqual({ a: "100", q: "5150" });
  expect((await appB("check")).code).toBe(0);
  expect((await appB("shared")).stderr).toContain("already completed");
  // A is still completed on its own, B's run did not touch it.
  expect((await appA("shared")).stderr).toContain("already completed");
  expect((await runsOf(db, "shared")).map((r) => [r.namespace, r.status])).toEqual([["app-a", "completed"], ["app-b", "completed"]]);
});

test("the default namespace is the app's package name (or package.json data-script.namespace)", async () => {
  const app = mkdtempSync(join(tmpdir(), "data-script-ns-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "billing" }));
  const args = ["shared", "-d", join(ROOT, "test/fixtures/trust/ormconfig.ts"), "--scripts", join(ROOT, "test/fixtures/trust/scripts"), "--workers", "1", "--no-progress"];
  expect((await runCli(args, { cwd: app, env: { DATABASE_URL: db.url } })).code).toBe(0);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "billing", "data-script": { namespace: "billing-eu" } }));
  expect((await runCli(args, { cwd: app, env: { DATABASE_URL: db.url } })).code).toBe(0);
  expect((await runsOf(db, "shared")).map((r) => r.namespace)).toEqual(["billing", "billing-eu"]);
});

test("two apps' scripts of one name do not block each other (the lock is per namespace)", async () => {
  const slow = trust.start(db, ["shared", ...A, "--workers", "1", "--pause-ms", "400"]);
  await new Promise((r) => setTimeout(r, 2500)); // A is at work on its chunks
  const other = await appB("shared");
  expect(other.code).toBe(0);
  expect(other.stderr).not.toContain("already running");
  const first = await slow.done;
  expect(first.code).toBe(0);
});

test("revert --run N and prune do not reach another app's runs", async () => {
  expect((await appA("shared")).code).toBe(0);
  const [aRun] = await runsOf(db, "shared");
  const revert = await appB("revert", "shared", "--run", String(aRun.id));
  expect(revert.code).toBe(2);
  expect(revert.stderr).toContain(`run #${aRun.id} is not a run of shared`);
  const prune = await appB("prune", "--older-than", "0");
  expect(prune.code).toBe(0);
  expect(prune.stdout).toContain("pruned the before-images of 0 run(s)");
  const [{ undo }] = await db.query<{ undo: string }>(`SELECT undo FROM data_script_runs WHERE id = $1`, [aRun.id]);
  expect(undo).toBe("kept");
  expect(await sums()).toEqual({ a: "100", q: "5050" });
});

describe("a ledger from before namespaces", () => {
  test("its runs are claimed by the app whose file ran them; another app's file is refused loudly, with the SQL to settle it", async () => {
    expect((await appA("shared")).code).toBe(0);
    await db.query(`UPDATE data_script_runs SET namespace = NULL`); // as an earlier version recorded it
    // App B first: the completed run is of another file: refused, in status, check and run alike (exit 2), nothing run.
    for (const args of [["shared"], ["status"], ["check"], ["run", "--pending"]]) {
      const refused = await appB(...args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`runs recorded before ledger namespaces that this app (namespace "app-b") cannot tell are its own`);
      expect(refused.stderr).toMatch(/shared: run #\d+ \(completed\) ran a script file with another checksum/);
      expect(refused.stderr).toContain(`UPDATE data_script_runs SET namespace = 'app-b' WHERE namespace IS NULL AND script IN ('shared');`);
    }
    expect(await sums()).toEqual({ a: "100", q: "5050" });
    // App A's file matches: claimed, still completed.
    const again = await appA("shared");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already completed");
    expect((await runsOf(db, "shared")).map((r) => r.namespace)).toEqual(["app-a"]);
    // Now B's `shared` is simply pending.
    expect((await appB("shared")).code).toBe(0);
    expect(await sums()).toEqual({ a: "100", q: "5150" });
  });

  test("the refusal's SQL, run as it says, settles it", async () => {
    expect((await appA("shared")).code).toBe(0);
    await db.query(`UPDATE data_script_runs SET namespace = NULL`);
    await db.query(`UPDATE data_script_runs SET namespace = 'app-a' WHERE namespace IS NULL AND script IN ('shared');`);
    expect((await appB("check")).code).toBe(1);
  });
});
