import { waitFor } from "./support/cli";
import { waitForOrphans } from "./support/inputs";
import type { TestDatabase } from "./support/database";
import { counterCli, counterHistogram, countersDatabase, runStatuses, savedChunks, startCounterCli } from "./support/counters";

const N = 50_000;
const CHUNKS = N / 500;

/** Kill it at any moment, resume it, and every chunk is applied exactly once. */
describe("resume after a crash", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await countersDatabase(N);
  });
  afterEach(() => db.drop());

  test("SIGKILL of the parent, then of one worker: resumed to the end, every counter exactly 1, one audit row each", async () => {
    const args = ["increment", "--workers", "2", "--param", "sleepMs=40"];
    const first = startCounterCli(db, args);
    await waitFor(async () => (await savedChunks(db, "increment")) >= 10);
    first.child.kill("SIGKILL");
    await first.done;
    expect(await runStatuses(db, "increment")).toEqual(["running"]); // nobody could record the crash
    const status = await counterCli(db, ["status", "--json"]);
    expect(JSON.parse(status.stdout)).toContainEqual(expect.objectContaining({ script: "increment", status: "interrupted" })); // but nobody holds its lock
    // Its saved progress shows, from the saved chunks (the run's own totals are written only when a run ends).
    await waitForOrphans(db);
    const saved = (await savedChunks(db, "increment")) * 500;
    expect(saved).toBeGreaterThan(0);
    const interrupted = JSON.parse((await counterCli(db, ["status", "--json"])).stdout).find((s: { script: string }) => s.script === "increment");
    expect(interrupted).toMatchObject({ status: "interrupted", rowsScanned: saved, rowsChanged: saved, rowsInserted: 0 });
    expect((await counterCli(db, ["status"])).stdout).toMatch(new RegExp(`^increment\\s+interrupted\\s+run #1 \\S+, ${saved} scanned, ${saved} changed, 0 inserted`, "m"));

    const second = startCounterCli(db, args);
    const before = await savedChunks(db, "increment");
    await waitFor(async () => (await savedChunks(db, "increment")) >= before + 10);
    const [{ pid }] = await db.query<{ pid: number }>(
      `SELECT pid FROM data_script_chunks WHERE status = 'done' ORDER BY saved_at DESC LIMIT 1`,
    );
    process.kill(pid, "SIGKILL");
    const secondResult = await second.done;
    // The dead worker's chunk rolled back and was retried (or the run failed cleanly): either way no chunk is applied twice.
    if (secondResult.code !== 0) {
      const third = await counterCli(db, ["increment", "--workers", "2"]);
      expect(third.code).toBe(0);
    }
    expect(await savedChunks(db, "increment")).toBe(CHUNKS);
    const { counters, audit } = await counterHistogram(db);
    expect(counters).toEqual({ 1: N });
    expect(audit).toEqual({ rows: String(N), distinct_ids: String(N), wrong: "0" });
    expect((await runStatuses(db, "increment")).at(-1)).toBe("completed");
    expect(await runStatuses(db, "increment")).toHaveLength(1); // one run, resumed twice
  }, 300_000);

  test("SIGINT: in-flight chunks finish, the run is interrupted, the exit is non-zero, and resuming completes it", async () => {
    const args = ["increment", "--workers", "2", "--param", "sleepMs=40"];
    const first = startCounterCli(db, args);
    await waitFor(async () => (await savedChunks(db, "increment")) >= 10);
    first.child.kill("SIGINT");
    const interrupted = await first.done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain("resume with: data-script increment");
    expect(await runStatuses(db, "increment")).toEqual(["interrupted"]);
    const saved = await savedChunks(db, "increment");
    expect(saved).toBeLessThan(CHUNKS);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM counters WHERE counter = 1`);
    expect(Number(n)).toBe(saved * 500); // exactly the saved chunks, no half-written one

    const resumed = await counterCli(db, ["increment", "--workers", "2"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("(resumed)");
    const { counters, audit } = await counterHistogram(db);
    expect(counters).toEqual({ 1: N });
    expect(audit.rows).toBe(String(N));
  });
});
