import "reflect-metadata";
import { DataSource, type SelectQueryBuilder } from "typeorm";
import { DataScript, type ScriptContext } from "../src/script/data-script";
import { planKeyRanges } from "../src/runtime/plan";
import { AfterSaveCall, Counter, CounterAudit } from "./fixtures/counters/entities";
import { createTestDatabase, type TestDatabase } from "./support/database";

// The chunk plan: one query that returns each chunk's first and last key. Every row in exactly
// one chunk, chunks of chunkSize rows in key order, the last one closed by the last key.

class Plain extends DataScript<Counter> {
  entity = Counter;
  chunkSize = 4;
  mutate() {}
}

class OddOnly extends Plain {
  where(qb: SelectQueryBuilder<Counter>) {
    return qb.where("row.id % 2 = 1");
  }
}

let db: TestDatabase;
let ds: DataSource;

beforeAll(async () => {
  db = await createTestDatabase("plan");
  ds = new DataSource({ type: "postgres", url: db.url, entities: [Counter, CounterAudit, AfterSaveCall], synchronize: true });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const ctx = (): ScriptContext => ({ dataSource: ds, manager: ds.manager, dryRun: false, workerId: 0, params: {}, log: () => undefined });

/** What a correct plan is for these keys (sorted), computed in JavaScript. */
function expected(keys: number[], size: number) {
  const ranges = [];
  for (let i = 0; i < keys.length; i += size) {
    ranges.push({ chunkNo: i / size + 1, lo: String(keys[i]), hi: String(keys[Math.min(i + size, keys.length) - 1]) });
  }
  return ranges;
}

async function seed(keys: number[]) {
  await db.query(`TRUNCATE counters`);
  if (keys.length) await db.query(`INSERT INTO counters (id, counter) SELECT unnest($1::int[]), 0`, [keys]);
}

test.each([0, 1, 3, 4, 5, 8, 9, 13])("%i rows in chunks of 4: every row in exactly one range, the last closed by the last key", async (n) => {
  // Gaps and an order unlike the insertion order, so ranges follow the key, not the row number.
  const keys = Array.from({ length: n }, (_, i) => (i + 1) * 7 - (i % 3));
  await seed([...keys].reverse());
  expect(await planKeyRanges(ds, new Plain(), ctx())).toEqual(expected([...keys].sort((a, b) => a - b), 4));
});

test("a script's where() narrows the plan to the rows it selects", async () => {
  const keys = Array.from({ length: 19 }, (_, i) => i + 1);
  await seed(keys);
  expect(await planKeyRanges(ds, new OddOnly(), ctx())).toEqual(expected(keys.filter((k) => k % 2 === 1), 4));
});

test("keys compare as numbers, not as text (9 before 10)", async () => {
  await seed([8, 9, 10, 11, 100]);
  expect(await planKeyRanges(ds, new Plain(), ctx())).toEqual([
    { chunkNo: 1, lo: "8", hi: "11" },
    { chunkNo: 2, lo: "100", hi: "100" },
  ]);
});
