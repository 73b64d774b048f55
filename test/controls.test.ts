import { cancelScript, pauseScript, resumeScript, scriptStatuses, UsageError } from "typeorm-data-script";
import { hostname, userInfo } from "node:os";
import { CONTROL_MOVES, decideControl, decideStart, type ControlAction, type RunStatus } from "../src/ledger/transitions";
import { killTree, waitFor } from "./support/cli";
import { counterHistogram, savedChunks } from "./support/counters";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { AfterSaveCall, Counter, CounterAudit } from "./fixtures/counters/entities";

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


