import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { countersDatabase } from "./support/counters";
import { runCli } from "./support/cli";

/** The CI-before-deploy workflow: check as a PR gate, run --pending, status, checksums, scaffolding. */
describe("status, check, new, --json", () => {
  let db: TestDatabase;
  let scripts: string;
  const script = (body: string) => `import { DataScript } from ${JSON.stringify(join(ROOT, "src"))};
import { Counter } from ${JSON.stringify(join(ROOT, "test/fixtures/counters/entities"))};
export default class S extends DataScript<Counter> {
  entity = Counter;
  mutate(row: Counter) { ${body} }
}
`;
  const cli = (args: string[]) =>
    runCli([...args, "--scripts", scripts, "-d", "test/fixtures/counters/ormconfig.ts", "--no-progress"], { env: { DATABASE_URL: db.url } });

  beforeAll(async () => {
    db = await countersDatabase(1_000);
    mkdirSync(join(ROOT, ".data"), { recursive: true });
    scripts = mkdtempSync(join(ROOT, ".data", "scripts-"));
    writeFileSync(join(scripts, "a-first.ts"), script("row.counter += 1;"));
    writeFileSync(join(scripts, "b-second.ts"), script("row.counter += 10;"));
  });
  afterAll(async () => {
    rmSync(scripts, { recursive: true, force: true });
    await db.drop();
  });

  test("check exits 1 while anything is pending, run --pending runs them in name order, then check exits 0", async () => {
    const gate = await cli(["check"]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/a-first\s+pending/);

    const run = await cli(["run", "--pending", "--workers", "1", "--json"]);
    expect(run.code).toBe(0);
    const { runs } = JSON.parse(run.stdout);
    expect(runs.map((r: { script: string; status: string; changed: number }) => [r.script, r.status, r.changed])).toEqual([
      ["a-first", "completed", 1000],
      ["b-second", "completed", 1000],
    ]);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM counters WHERE counter = 11`);
    expect(n).toBe("1000");

    const ok = await cli(["check"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("all data scripts completed");
  });

  test("status flags a completed script whose file changed since it ran", async () => {
    const file = join(scripts, "b-second.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace("+= 10", "+= 100"));
    const status = await cli(["status"]);
    expect(status.stdout).toMatch(/b-second\s+completed.*\(file changed since it ran\)/);
    expect(status.stdout).not.toMatch(/a-first.*file changed/);
    const json = JSON.parse((await cli(["status", "--json"])).stdout);
    expect(json.find((s: { script: string }) => s.script === "b-second").changedSinceRun).toBe(true);
  });

  test("new scaffolds a script from the template, once", async () => {
    const created = await runCli(["new", "2025-backfill-emails", "--scripts", scripts]);
    expect(created.code).toBe(0);
    const text = readFileSync(join(scripts, "2025-backfill-emails.ts"), "utf8");
    expect(text).toContain("export default class BackfillEmails extends DataScript");
    expect(text).toContain("mutate(");
    const again = await runCli(["new", "2025-backfill-emails", "--scripts", scripts]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists");
    const listed = await cli(["status"]);
    expect(listed.stdout).toMatch(/2025-backfill-emails\s+pending/);
  });
});
