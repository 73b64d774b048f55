import { cancelScript, pauseScript, resumeScript, scriptStatuses, UsageError } from "typeorm-data-script";
import { hostname, userInfo } from "node:os";
import { CONTROL_MOVES, decideControl, decideStart, type ControlAction, type RunStatus } from "../src/ledger/transitions";
import { waitFor } from "./support/cli";
import { counterHistogram, savedChunks } from "./support/counters";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { AfterSaveCall, Counter, CounterAudit } from "./fixtures/counters/entities";
import { join } from "node:path";
import { expectImportedOnce, inputsProject, savedChunks as savedInputChunks, scratchDir, writeFeed } from "./support/inputs";

/**
 * Operating a run from another process: pause, resume and cancel are written
 * to the ledger and seen by every participant at its next chunk boundary. The
 * hosts are independent process trees running `bump --join` (counter += 1 with
 * a per-row audit row), as in join.test.ts.
 */
const PROJECT = { scripts: "test/fixtures/hosts/scripts", dataSource: "test/fixtures/counters/ormconfig.ts" };
const hosts = fixtureProject({ ...PROJECT, entities: [Counter, CounterAudit, AfterSaveCall] });
const N = 12_000; // 48 chunks of 250
const ME = `${userInfo().username}@${hostname()}`;

async function database(): Promise<TestDatabase> {
  const db = await hosts.database("controls");
  await db.query(`INSERT INTO counters (id, counter) SELECT g, 0 FROM generate_series(1, $1) g`, [N]);
  return db;
}

function host(db: TestDatabase, extra: string[] = []) {
  return hosts.start(db, ["bump", "--join", "--workers", "1", ...extra], { detached: true, timeoutMs: 180_000 });
}

async function participants(db: TestDatabase) {
  return db.query<{ label: string; state: string; hold_reason: string | null; held_since: Date | null; heartbeat_at: Date }>(
    `SELECT label, state, hold_reason, held_since, heartbeat_at FROM data_script_participants ORDER BY id`,
  );
}

async function bumped(db: TestDatabase): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT coalesce(sum(counter), 0) n FROM counters`);
  return Number(n);
}

async function controls(db: TestDatabase) {
  return db.query<{ run_id: number; action: string; by: string; reason: string | null }>(`SELECT run_id, action, "by", reason FROM data_script_controls ORDER BY id`);
}

describe("the transition table (transitions.ts)", () => {
  const statuses: RunStatus[] = ["running", "paused", "completed", "failed", "interrupted", "reverted", "cancelled"];
  const allowed: Record<ControlAction, RunStatus[]> = {
    pause: ["running"],
    resume: ["paused"],
    cancel: ["running", "paused", "failed", "interrupted"],
  };

  test.each((Object.keys(allowed) as ControlAction[]).flatMap((action) => statuses.map((status) => [action, status] as const)))(
    "%s a %s run",
    (action, status) => {
      const decision = decideControl(action, "bump", { id: 7, status, control_by: null, control_at: null, atWork: 1 });
      expect(decision.allowed).toBe(allowed[action].includes(status));
      if (decision.allowed) expect(decision.to).toBe(CONTROL_MOVES[action].to);
      else expect(decision.reason).toMatch(/^run #7 of bump /);
    },
  );

  test("a running run nobody works on is interrupted: it can be cancelled, not paused; no run at all is refused by name", () => {
    const crashed = { id: 3, status: "running" as const, control_by: null, control_at: null, atWork: 0 };
    expect(decideControl("pause", "bump", crashed)).toEqual({ allowed: false, reason: expect.stringContaining("is interrupted (no host is at work on it)") });
    expect(decideControl("cancel", "bump", crashed)).toEqual({ allowed: true, from: ["running"], to: "cancelled" });
    expect(decideControl("resume", "bump", undefined)).toEqual({ allowed: false, reason: "bump has never run: there is no run to resume" });
  });

  test("a new invocation: a paused run is joined or resumed (and held), a cancelled one is never resumed", () => {
    const flags = { force: false, restart: false, join: true, dryRun: false };
    const run = (status: RunStatus) => ({ id: 5, status, params: null, params_typed: false, input_name: null, input_checksum: null });
    expect(decideStart(run("paused"), true, flags)).toEqual({ action: "join", runId: 5 });
    expect(decideStart(run("paused"), true, { ...flags, join: false })).toEqual({ action: "locked" });
    expect(decideStart(run("paused"), false, flags)).toEqual({ action: "resume", runId: 5 });
    expect(decideStart(run("cancelled"), false, { ...flags, join: false })).toEqual({ action: "start" });
  });
});

describe("pauseScript, resumeScript, cancelScript (the API, in-process)", () => {
  let db: TestDatabase;
  const savedUrl = process.env.DATABASE_URL;
  beforeAll(async () => {
    db = await database();
    process.env.DATABASE_URL = db.url; // the fixture's data source reads it when loaded
  });
  afterAll(async () => {
    process.env.DATABASE_URL = savedUrl;
    await db.drop();
  });

  test("no run yet: refused by name; a run in progress: paused (held, by whom, why), resumed, cancelled; each refusal a UsageError", async () => {
    await expect(pauseScript({ ...PROJECT, script: "bump" })).rejects.toThrow(new UsageError("bump has never run: there is no run to pause"));
    await expect(cancelScript({ ...PROJECT, script: "bmup" })).rejects.toThrow(/^unknown script "bmup" in .*\. Did you mean "bump"\?$/);

    const a = host(db, ["--param", "sleepMs=250"]);
    await waitFor(async () => (await savedChunks(db, "bump")) >= 2);
    const paused = await pauseScript({ ...PROJECT, script: "bump", reason: "peak traffic", by: "alice@laptop" });
    expect(paused).toEqual({
      script: "bump",
      runId: 1,
      action: "pause",
      previous: "running",
      status: "paused",
      by: "alice@laptop",
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      reason: "peak traffic",
      atWork: 1,
    });
    await expect(pauseScript({ ...PROJECT, script: "bump" })).rejects.toThrow(/^run #1 of bump is already paused \(by alice@laptop at .*\); data-script resume bump lifts the pause$/);
    await expect(resumeScript({ ...PROJECT, script: "bump", by: 42 as never })).rejects.toThrow(new UsageError("by must be a string, got number"));

    // The host holds: its participant row says why and since when, and status shows it.
    await waitFor(async () => (await participants(db))[0]?.hold_reason?.startsWith('paused by alice@laptop') ?? false, 10_000);
    const [p] = await participants(db);
    expect(p.hold_reason).toMatch(/^paused by alice@laptop \d\d:\d\d: "peak traffic"$/);
    expect(p.held_since).toBeInstanceOf(Date);
    const [status] = (await scriptStatuses(PROJECT)).filter((s) => s.script === "bump");
    expect(status).toMatchObject({ status: "paused", control: { action: "pause", by: "alice@laptop", reason: "peak traffic" } });
    // Its totals so far are its saved chunks' (the run row has none until it ends).
    expect(status.rowsChanged).toBeGreaterThan(0);
    expect(status.rowsChanged).toBeLessThanOrEqual(await bumped(db));
    expect(status.participants).toEqual([expect.objectContaining({ state: "active", hold: { reason: p.hold_reason, since: expect.any(String) } })]);

    const resumed = await resumeScript({ ...PROJECT, script: "bump" });
    expect(resumed).toMatchObject({ action: "resume", previous: "paused", status: "running", by: ME, reason: null, atWork: 1 });
    await expect(resumeScript({ ...PROJECT, script: "bump" })).rejects.toThrow(new UsageError("run #1 of bump is running, not paused: nothing to resume"));
    await waitFor(async () => (await participants(db))[0]?.hold_reason === null, 10_000);

    const cancelled = await cancelScript({ ...PROJECT, script: "bump", reason: "wrong rows", by: "bob@ops" });
    expect(cancelled).toMatchObject({ action: "cancel", previous: "running", status: "cancelled", by: "bob@ops", reason: "wrong rows", atWork: 1 });
    await expect(cancelScript({ ...PROJECT, script: "bump" })).rejects.toThrow(/^run #1 of bump was already cancelled \(by bob@ops at /);
    await expect(resumeScript({ ...PROJECT, script: "bump" })).rejects.toThrow(/is cancelled .*a cancelled run is not resumed; data-script bump starts a new run/);

    const result = await a.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bump: cancelled — run #1/);
    expect(result.stderr).toMatch(/cancelled by bob@ops at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: "wrong rows"/);
    expect(result.stderr).toContain("paused by alice@laptop");
    // The hold is named for what it was (a pause), not the database's health.
    expect(result.stderr).toMatch(/held [\d.]+ s \(last reason: paused by alice@laptop/);
    expect(result.stderr).not.toContain("unhealthy");

    // The history keeps every request; the run's totals are those of its saved chunks, recorded by its last participant.
    expect(await controls(db)).toEqual([
      { run_id: 1, action: "pause", by: "alice@laptop", reason: "peak traffic" },
      { run_id: 1, action: "resume", by: ME, reason: null },
      { run_id: 1, action: "cancel", by: "bob@ops", reason: "wrong rows" },
    ]);
    const [run] = await db.query<{ status: string; rows_changed: string; finished_by: number | null }>(`SELECT status, rows_changed, finished_by FROM data_script_runs`);
    expect(run).toEqual({ status: "cancelled", rows_changed: String(await bumped(db)), finished_by: expect.any(Number) });
    expect(Number(run.rows_changed)).toBeGreaterThan(0);
    expect(Number(run.rows_changed)).toBeLessThan(N);
  });
});



describe("controls across processes: two hosts joined (--workers 1 each), operated from a third process (the CLI)", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await database();
  });
  afterEach(() => db.drop());

  const both = async () => (await participants(db)).filter((p) => p.state === "active").length === 2;

  test("pause: within 5 s no row changes (sampled over 4 s), both hosts hold and say by whom; a host stopped meanwhile rejoins with --join; resume: every row exactly once", async () => {
    // A 12 s lease heartbeats every 3 s: the 4.5 s sampled below see at least one beat.
    const slow = ["--param", "sleepMs=300", "--lease", "12s"];
    const a = host(db, slow);
    const b = host(db, slow);
    await waitFor(async () => (await both()) && (await savedChunks(db, "bump")) >= 4);

    const pause = await hosts.cli(db, ["pause", "bump", "--reason", "peak traffic"]);
    expect({ code: pause.code, stderr: pause.stderr }).toEqual({ code: 0, stderr: "" });
    expect(pause.stdout.trim()).toMatch(new RegExp(`^bump: run #1 paused by ${ME} at \\S+: "peak traffic" — 2 hosts at work hold at their next chunk boundary`));
    const pausedAt = Date.now();

    // In-flight chunks commit (one sleep of 300 ms each); then nothing changes while both hosts live on.
    await new Promise((r) => setTimeout(r, 1_500));
    const samples: number[] = [];
    const beats: number[] = [];
    const firstSampleAt = Date.now();
    for (let i = 0; i < 9; i++) {
      samples.push(await bumped(db));
      beats.push(Math.max(...(await participants(db)).map((p) => p.heartbeat_at.getTime())));
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(firstSampleAt - pausedAt).toBeLessThan(5_000);
    expect(Date.now() - firstSampleAt).toBeGreaterThanOrEqual(4_000);
    expect(new Set(samples).size).toBe(1);
    expect(samples[0]).toBeGreaterThan(0);
    expect(samples[0]).toBeLessThan(N);
    expect(beats[beats.length - 1]).toBeGreaterThan(beats[0]); // still heartbeating
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
    const held = await participants(db);
    expect(held.map((p) => p.hold_reason)).toEqual([0, 1].map(() => expect.stringMatching(new RegExp(`^paused by ${ME} \\d\\d:\\d\\d: "peak traffic"$`))));

    // Pausing again, or resuming a run that is not paused, is refused.
    const again = await hosts.cli(db, ["pause", "bump"]);
    expect({ code: again.code, stderr: again.stderr.trim() }).toEqual({ code: 2, stderr: expect.stringMatching(/^data-script: run #1 of bump is already paused \(by /) });

    // One host is stopped while paused: it leaves, the run stays paused.
    b.child.kill("SIGTERM");
    const rb = await b.done;
    expect(rb.code).toBe(130);
    expect(rb.stderr).toContain(`run #1 paused by ${ME}`);
    expect(rb.stderr).toContain("run #1 stays paused");
    expect(await db.query(`SELECT status FROM data_script_runs`)).toEqual([{ status: "paused" }]);

    // The stopped host comes back while the run is still paused: it joins and holds with the other.
    const c = host(db, ["--lease", "12s"]);
    await waitFor(both);
    const resume = await hosts.cli(db, ["resume", "bump"]);
    expect(resume.code).toBe(0);
    expect(resume.stdout.trim()).toMatch(new RegExp(`^bump: run #1 resumed by ${ME} at \\S+ — 2 hosts at work go on`));
    const running = await hosts.cli(db, ["resume", "bump"]);
    expect({ code: running.code, stderr: running.stderr.trim() }).toEqual({ code: 2, stderr: "data-script: run #1 of bump is running, not paused: nothing to resume" });
    const [ra, rc] = await Promise.all([a.done, c.done]);

    for (const result of [ra, rc]) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("bump: completed") });
    expect(ra.stderr).toContain(`bump: run #1 paused by ${ME}`);
    expect(ra.stderr).toContain(`bump: run #1 resumed by ${ME}`);
    expect(rc.stderr).toMatch(/run #1 \(joined\)/);
    expect(rc.stderr).toContain(`bump: run #1 paused by ${ME}`); // it held with the other until the resume
    expect(rc.stderr).toContain(`bump: run #1 resumed by ${ME}`);
    expect(await counterHistogram(db)).toEqual({ counters: { 1: N }, audit: { rows: String(N), distinct_ids: String(N), wrong: "0" } });

    const completed = await hosts.cli(db, ["pause", "bump"]);
    expect({ code: completed.code, stderr: completed.stderr.trim() }).toEqual({ code: 2, stderr: "data-script: run #1 of bump is completed: only a running run can be paused" });
    expect((await controls(db)).map((c) => c.action)).toEqual(["pause", "resume"]);
  });

  test("cancel mid-run: cancelled on every host (exit 1, by whom and why), status --json says so, check fails, a second cancel exits 2, revert undoes the saved chunks", async () => {
    const a = host(db, ["--param", "sleepMs=300"]);
    const b = host(db, ["--param", "sleepMs=300"]);
    await waitFor(async () => (await both()) && (await savedChunks(db, "bump")) >= 4);

    const cancel = await hosts.cli(db, ["cancel", "bump", "--reason", "the first rows look wrong"]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout.trim()).toMatch(new RegExp(`^bump: run #1 cancelled by ${ME} at \\S+: "the first rows look wrong" — 2 hosts at work stop`));
    const results = await Promise.all([a.done, b.done]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/bump: cancelled — run #1/);
      expect(result.stderr).toContain(`cancelled by ${ME} at `);
      expect(result.stderr).toContain('UTC: "the first rows look wrong"');
      expect(result.stderr).toContain("a cancelled run is never resumed");
    }
    const changed = await bumped(db);
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(N);
    // The last line counts the chunks written against the plan, as the ledger holds them.
    const written = await savedChunks(db, "bump");
    for (const result of results) expect(result.stderr).toMatch(new RegExp(`the run, 2 participants: .* in ${written} of \\d+ chunks`));
    expect(await counterHistogram(db)).toEqual({ counters: { 0: N - changed, 1: changed }, audit: { rows: String(changed), distinct_ids: String(changed), wrong: "0" } });

    const status = await hosts.cli(db, ["status", "--json"]);
    const bump = JSON.parse(status.stdout).find((s: { script: string }) => s.script === "bump");
    expect(bump).toMatchObject({
      status: "cancelled",
      control: { action: "cancel", by: ME, at: expect.any(String), reason: "the first rows look wrong" },
      error: expect.stringMatching(new RegExp(`^cancelled by ${ME} at .* UTC: "the first rows look wrong"$`)),
      rowsChanged: changed,
      revertible: true,
    });
    const check = await hosts.cli(db, ["check"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/bump\s+cancelled/);

    const twice = await hosts.cli(db, ["cancel", "bump"]);
    expect({ code: twice.code, stderr: twice.stderr.trim() }).toEqual({ code: 2, stderr: expect.stringMatching(new RegExp(`^data-script: run #1 of bump was already cancelled \\(by ${ME} at `)) });

    const revert = await hosts.cli(db, ["revert", "bump", "--workers", "1"]);
    expect({ code: revert.code, stderr: revert.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("bump: revert of run #1 completed") });
    expect((await counterHistogram(db)).counters).toEqual({ 0: N });
    expect(await db.query(`SELECT id, status FROM data_script_runs ORDER BY id`)).toEqual([
      { id: 1, status: "reverted" },
      { id: 2, status: "completed" },
    ]);
  });

  test("run --pending after a cancel starts a new run (a cancelled run is never resumed): every row changed once by it", async () => {
    const a = host(db, ["--param", "sleepMs=200"]);
    await waitFor(async () => (await savedChunks(db, "bump")) >= 3);
    expect((await hosts.cli(db, ["cancel", "bump"])).code).toBe(0);
    expect((await a.done).code).toBe(1);
    const first = await bumped(db);

    const pending = await hosts.cli(db, ["run", "--pending", "--workers", "2"]);
    expect({ code: pending.code, stderr: pending.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/bump: completed — run #2\n/) });
    expect(await db.query(`SELECT id, status, rows_changed FROM data_script_runs WHERE script = 'bump' ORDER BY id`)).toEqual([
      { id: 1, status: "cancelled", rows_changed: String(first) },
      { id: 2, status: "completed", rows_changed: String(N) },
    ]);
    // The cancelled run's rows were changed once by it and once by the new run, the others once by the new run
    // (and every row once more by the folder's other script, `throttled`, which run --pending runs next).
    expect(pending.stderr).toContain("throttled: completed");
    expect((await counterHistogram(db)).counters).toEqual({ 2: N - first, 3: first });
    expect((await hosts.cli(db, ["check"])).code).toBe(0);
  });
});

describe("controls on a source-kind run (chunks handed out by the parent, seen by its health check)", () => {
  test("an --input import paused holds within a couple of seconds (no partner added over 3 s), resumed it imports every line exactly once", async () => {
    const db = await inputsProject.database("controls_source");
    try {
      const file = join(scratchDir(), "partners.csv");
      const feed = await writeFeed(file, "csv", 8_000);
      // 40 chunks, 0.5 s apart: the pause (another CLI process, a few seconds to start on a loaded machine) comes while most are still to do.
      const run = inputsProject.start(db, ["import-partners", "--input", file, "--workers", "1", "--chunk-size", "200", "--pause-ms", "500"]);
      await waitFor(async () => (await savedInputChunks(db, "import-partners")) >= 3);
      expect((await inputsProject.cli(db, ["pause", "import-partners", "--reason", "feed owner asked"])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 3_000));
      const count = async () => Number((await db.query<{ n: string }>(`SELECT count(*) n FROM partners`))[0].n);
      const samples: number[] = [];
      for (let i = 0; i < 7; i++) {
        samples.push(await count());
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(new Set(samples).size).toBe(1);
      expect(samples[0]).toBeLessThan(feed.partners);
      expect(run.child.exitCode).toBeNull();
      expect((await inputsProject.cli(db, ["resume", "import-partners"])).code).toBe(0);
      const result = await run.done;
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("import-partners: completed") });
      expect(result.stderr).toContain(`paused by ${ME}`);
      expect(result.stderr).toContain('"feed owner asked"');
      await expectImportedOnce(db, feed.partners);
    } finally {
      await db.drop();
    }
  });
});
