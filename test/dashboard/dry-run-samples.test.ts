import type { TestDatabase } from "../support/database";
import { cli, demoDatabase, FIXTURE_SCRIPTS, login, runOf, startUi, type Ui } from "./support";

/**
 * A dry run rolls back every chunk, so its before → after samples reach the ledger from its
 * parent, on the run's row; the dashboard's page of that run shows them. The table is untouched.
 */
describe("a dry run's samples, in the ledger and on its dashboard page", () => {
  let db: TestDatabase;
  let ui: Ui;

  beforeAll(async () => {
    db = await demoDatabase("dash_samples", 300);
  });

  afterAll(async () => {
    await ui?.stop();
    await db.drop();
  });

  test("kept on the run (only the columns that would change), printed as before, shown on the run's page", async () => {
    const dry = await cli(db.url, FIXTURE_SCRIPTS, ["slow-touch", "--dry-run", "--workers", "1", "--param", "sleepMs=0"]).done;
    expect(dry.code).toBe(0);
    const [first] = await db.query<{ id: number; username: string }>(`SELECT id, username FROM users ORDER BY id LIMIT 1`);
    expect(first.username.endsWith("!")).toBe(false); // rolled back
    // The summary prints the samples as it always did.
    expect(dry.stderr + dry.stdout).toContain(`username: ${JSON.stringify(first.username)} → ${JSON.stringify(`${first.username}!`)}`);

    const run = await runOf(db, "slow-touch");
    const [row] = await db.query<{ dry_run: boolean; samples: { key: string; changes: { column: string; before: string; after: string }[] }[] }>(
      `SELECT dry_run, samples FROM data_script_runs WHERE id = $1`,
      [run.id],
    );
    expect(row.dry_run).toBe(true);
    expect(row.samples.length).toBeGreaterThan(0);
    expect(row.samples.length).toBeLessThanOrEqual(5);
    expect(row.samples[0].key).toContain(String(first.id));
    expect(row.samples[0].changes).toEqual([{ column: "username", before: JSON.stringify(first.username), after: JSON.stringify(`${first.username}!`) }]);

    ui = await startUi(db.url, FIXTURE_SCRIPTS);
    const cookie = await login(ui);
    const page = await (await fetch(`${ui.base}runs/${run.id}`, { headers: { cookie } })).text();
    expect(page).toContain(`<table class="samples">`);
    expect(page).toContain("<td>username</td>");
    expect(page).toContain(`<code>&quot;${first.username}!&quot;</code>`);
    expect(page).not.toContain("not kept in the ledger");
  });

  test("a real run's page has no samples row", async () => {
    const real = await cli(db.url, FIXTURE_SCRIPTS, ["slow-touch", "--workers", "1", "--param", "sleepMs=0"]).done;
    expect(real.code).toBe(0);
    const run = await runOf(db, "slow-touch");
    const [row] = await db.query<{ samples: unknown }>(`SELECT samples FROM data_script_runs WHERE id = $1`, [run.id]);
    expect(row.samples).toBeNull();
    ui ??= await startUi(db.url, FIXTURE_SCRIPTS);
    const cookie = await login(ui);
    const page = await (await fetch(`${ui.base}runs/${run.id}`, { headers: { cookie } })).text();
    expect(page).not.toContain("Dry-run samples");
  });
});
