import { chooseWorkers, isLocalAddress } from "../src/runtime/worker-count";
import { counterCli, countersDatabase } from "./support/counters";
import type { TestDatabase } from "./support/database";

/** The default --workers: from the plan's chunks and the machine, and the summary says why. */
describe("the default number of workers", () => {
  test.each([
    [{ chunks: 40, cores: 8, databaseHere: false }, 1, "40 chunks: too few to pay for a second process"],
    [{ chunks: 199, cores: 8, databaseHere: false }, 1, "199 chunks: too few to pay for a second process"],
    [{ chunks: 350, cores: 8, databaseHere: false }, 3, "350 chunks: 100 or more for each process"],
    [{ chunks: 5000, cores: 8, databaseHere: false }, 8, "5000 chunks, 8 cores"],
    [{ chunks: 5000, cores: 1, databaseHere: false }, 1, "5000 chunks, 1 core"],
    // The database on this machine: half the cores, and past half only 400 chunks or more for each process.
    [{ chunks: 350, cores: 8, databaseHere: true }, 3, "350 chunks: 100 or more for each process"],
    [{ chunks: 400, cores: 8, databaseHere: true }, 4, "400 chunks, the database shares this machine's 8 cores: 4 for the workers"],
    [{ chunks: 2000, cores: 8, databaseHere: true }, 5, "2000 chunks, the database shares this machine's 8 cores: 400 or more chunks for each process past 4"],
    [{ chunks: 5000, cores: 8, databaseHere: true }, 8, "5000 chunks, 8 cores"],
    [{ chunks: 150, cores: 2, databaseHere: true }, 1, "150 chunks: too few to pay for a second process"],
    [{ chunks: 500, cores: 2, databaseHere: true }, 1, "500 chunks, the database shares this machine's 2 cores: 1 for the workers"],
    [{ chunks: 1000, cores: 2, databaseHere: true }, 2, "1000 chunks, 2 cores"],
    [{ chunks: undefined, cores: 2, databaseHere: true }, 1, "a source's length is not known before it is read; the database shares this machine's 2 cores: 1 for the workers"],
    [{ chunks: undefined, cores: 4, databaseHere: false }, 4, "a source's length is not known before it is read; 4 cores"],
  ])("%j: %i worker(s)", (plan, workers, reason) => {
    expect(chooseWorkers(plan)).toEqual({ workers, reason });
  });

  test("a loopback address or a socket is this machine", () => {
    expect([null, "127.0.0.1", "127.0.0.1/32", "::1", "10.0.0.5", "db.internal"].map(isLocalAddress)).toEqual([true, true, true, true, false, false]);
  });

  describe("a run without --workers", () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await countersDatabase(10_000);
    });
    afterAll(() => db.drop());

    test("10,000 rows (20 chunks) run in one process, and the summary says why; --workers 2 is taken as given", async () => {
      const run = await counterCli(db, ["increment", "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ workers: 1, workersReason: "20 chunks: too few to pay for a second process", changed: 10_000 });
      const text = await counterCli(db, ["increment", "--force"]);
      expect(text.stderr).toContain("  chunks: 20 of 20, workers: 1 (20 chunks: too few to pay for a second process), 1 process saved chunks");
      const given = await counterCli(db, ["increment", "--force", "--workers", "2", "--json"]);
      expect(JSON.parse(given.stdout)).toMatchObject({ workers: 2, changed: 10_000 });
      expect(JSON.parse(given.stdout).workersReason).toBeUndefined();
    });
  });
});
