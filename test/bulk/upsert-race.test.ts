import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { bulkUpsert } from "typeorm-data-script";
import { VersionedBulk } from "../fixtures/bulk/entities";
import { REGISTER } from "../support/cli";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDataSource, type Harness } from "./harness";

/**
 * bulkUpsert under a race: a row someone else creates between bulkUpsert's
 * SELECT and its INSERT … ON CONFLICT becomes an update, never a unique
 * violation, and the events say so.
 */

const ROOT = join(__dirname, "..", "..");
const RACER = join(ROOT, "test", "fixtures", "bulk", "upsert-racer.ts");

let db: TestDatabase;
let h: Harness;

beforeAll(async () => {
  db = await createTestDatabase("bulk_race");
  h = await openDataSource(db, [VersionedBulk]);
});
afterAll(async () => {
  await h?.ds.destroy();
  await db?.drop();
});

interface RoundResult {
  round: number;
  created: string[];
  updated: string[];
  unchanged: number;
  seen: Record<string, string[] | undefined>;
  error?: string;
}

/** A racer child process: send it a JSON command, read its JSON answers line by line. */
function startRacer(name: string) {
  const child: ChildProcess = spawn(process.execPath, ["-r", REGISTER, RACER, name], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const next = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer in 30 s; stderr: ${stderr}`)), 30_000);
      const take = (line: string) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      };
      const early = lines.shift();
      if (early !== undefined) take(early);
      else waiting.push(take);
    });
  return {
    next,
    send: (message: object) => child.stdin!.write(JSON.stringify(message) + "\n"),
    async stop() {
      child.stdin!.end();
      await exited;
    },
    get stderr() {
      return stderr;
    },
  };
}

test("deterministic race: a row created by another transaction after our SELECT becomes an update with its events", async () => {
  await h.ds.query(`TRUNCATE versioned_bulk RESTART IDENTITY`);
  h.events.events = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let insertedByA!: () => void;
  const aInserted = new Promise<void>((r) => (insertedByA = r));
  // A: creates "k" and holds its transaction open.
  const a = h.ds.transaction(async (m) => {
    await bulkUpsert(m, [Object.assign(new VersionedBulk(), { key: "k", name: "from A" })], { conflictColumns: ["key"] });
    insertedByA();
    await held;
  });
  await aInserted;
  // B: its SELECT cannot see A's uncommitted row, so "k" looks new; its INSERT waits for A, then conflicts.
  const entity = Object.assign(new VersionedBulk(), { key: "k", name: "from B" });
  const b = bulkUpsert(h.ds.manager, [entity], { conflictColumns: ["key"] });
  await new Promise((r) => setTimeout(r, 200));
  release();
  await a;
  const result = await b;
  expect([result.created, result.updated]).toEqual([0, 1]);
  expect(entity).toMatchObject({ id: 1, version: 2, name: "from B" });
  expect(await h.ds.query(`SELECT key, name, version FROM versioned_bulk`)).toEqual([{ key: "k", name: "from B", version: 2 }]);
  // B's events: beforeInsert (the row looked new), then afterUpdate — without databaseEntity, B never saw the row's previous state.
  const bEvents = h.events.events.filter((e) => e.entity.name === "from B").map((e) => [e.kind, e.databaseEntity === undefined]);
  expect(bEvents).toEqual([
    ["beforeInsert", true],
    ["afterUpdate", true],
  ]);
});

test("rows are written in conflict-key order whatever the input order, so overlapping upserts wait instead of deadlocking", async () => {
  await h.ds.query(`TRUNCATE versioned_bulk RESTART IDENTITY`);
  const row = (key: string, name: string) => Object.assign(new VersionedBulk(), { key, name });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let step!: () => void;
  const aHasK1 = new Promise<void>((r) => (step = r));
  // A takes k1 and keeps its transaction open; later it also writes k2.
  const a = h.ds.transaction(async (m) => {
    await bulkUpsert(m, [row("k1", "A")], { conflictColumns: ["key"] });
    step();
    await held;
    await bulkUpsert(m, [row("k2", "A")], { conflictColumns: ["key"] });
  });
  await aHasK1;
  // B is given [k2, k1]: written in input order it would take k2, then wait for A on k1, while A waits for B on k2.
  const b = bulkUpsert(h.ds.manager, [row("k2", "B"), row("k1", "B")], { conflictColumns: ["key"] });
  await new Promise((r) => setTimeout(r, 200));
  release();
  await a;
  const result = await b;
  expect([result.created, result.updated]).toEqual([0, 2]);
  expect(await h.ds.query(`SELECT key, name FROM versioned_bulk ORDER BY key`)).toEqual([
    { key: "k1", name: "B" },
    { key: "k2", name: "B" },
  ]);
});

test("two processes upsert overlapping keys at the same time, 20 rounds: no error, each key created once, events match", async () => {
  await h.ds.query(`TRUNCATE versioned_bulk RESTART IDENTITY`);
  const racers = [startRacer("A"), startRacer("B")];
  try {
    await Promise.all(racers.map((r) => r.next()));
    let raced = 0;
    const ROUNDS = 20;
    for (let round = 0; round < ROUNDS; round++) {
      const key = (r: number, i: number) => `r${String(r).padStart(2, "0")}-${String(i).padStart(3, "0")}`;
      const previous = round ? Array.from({ length: 10 }, (_, i) => key(round - 1, i)) : [];
      // A: keys 0–199 ascending; B: keys 100–299 descending (opposite orders, 100 keys shared), both also the last round's first 10.
      const aKeys = [...previous, ...Array.from({ length: 200 }, (_, i) => key(round, i))];
      const bKeys = [...previous, ...Array.from({ length: 200 }, (_, i) => key(round, 299 - i))];
      // Odd rounds: both pause between their SELECT and INSERT, so both see the shared keys as new.
      const delay = round % 2 ? 40 : 0;
      racers[0].send({ round, keys: aKeys, delay });
      racers[1].send({ round, keys: bKeys, delay });
      const [a, b] = await Promise.all(racers.map((r) => r.next<RoundResult>()));
      expect(a.error).toBeUndefined();
      expect(b.error).toBeUndefined();

      for (const [res, keys] of [
        [a, aKeys],
        [b, bKeys],
      ] as const) {
        // Every key of the racer was written, as created or updated, and its events say the same.
        expect([...res.created, ...res.updated].sort()).toEqual([...keys].sort());
        expect(res.unchanged).toBe(0);
        expect([...(res.seen.afterInsert ?? [])].sort()).toEqual([...res.created].sort());
        expect([...(res.seen.afterUpdate ?? [])].sort()).toEqual([...res.updated].sort());
        raced += res.seen.afterUpdateWithoutDatabaseEntity?.length ?? 0;
      }
      // Across both racers, each of this round's keys was created exactly once; last round's keys not at all.
      const created = [...a.created, ...b.created].sort();
      const roundKeys = Array.from({ length: 300 }, (_, i) => key(round, i));
      expect(created).toEqual(roundKeys);
    }
    const [counts] = await h.ds.query(`SELECT count(*)::int AS n, count(DISTINCT key)::int AS keys FROM versioned_bulk`);
    expect(counts).toEqual({ n: ROUNDS * 300, keys: ROUNDS * 300 });
    // Shared keys were written twice in their round (created by one racer, updated by the other): version 2.
    const [shared] = await h.ds.query(`SELECT count(*)::int AS n FROM versioned_bulk WHERE substring(key from 5)::int BETWEEN 100 AND 199 AND version < 2`);
    expect(shared.n).toBe(0);
    // The race really happened: some rows were created by the other racer after this one's SELECT.
    expect(raced).toBeGreaterThan(0);
  } finally {
    await Promise.all(racers.map((r) => r.stop()));
  }
});
