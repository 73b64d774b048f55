import "reflect-metadata";
import { DataSource, type SelectQueryBuilder } from "typeorm";
import { codecFor } from "../src/bulk/column-codec";
import { encodeBound, KeyRange, keyRangeSql } from "../src/bulk/key-range";
import { buildUpdate } from "../src/bulk/sql";
import { planKeyRanges } from "../src/runtime/plan";
import { DataScript, type ScriptContext } from "../src/script/data-script";
import { splitRange } from "../src/worker/split-range";
import { Counter, CounterAudit, AfterSaveCall } from "./fixtures/counters/entities";
import { ENTITIES, TenantCounter } from "./fixtures/composite/entities";
import { createTestDatabase, type TestDatabase } from "./support/database";

/**
 * A composite key's chunk range, built as pure SQL and asserted, then run on a
 * real database: the row comparisons select exactly the rows between the
 * bounds in the order ORDER BY "tenantId", id gives; the plan, the split and
 * the update use it, and a one-column key keeps its BETWEEN.
 */

let db: TestDatabase;
let ds: DataSource;
/** Every key, in the database's row order. */
let ordered: string[];

const keyText = (row: { tenantId: string; id: number | string }) => encodeBound([row.tenantId, String(row.id)]);

beforeAll(async () => {
  db = await createTestDatabase("key_range");
  ds = new DataSource({ type: "postgres", url: db.url, entities: [...ENTITIES, Counter, CounterAudit, AfterSaveCall], synchronize: true });
  await ds.initialize();
  // 7 tenants, ids repeating across them, inserted out of order.
  await ds.query(`INSERT INTO tenant_counters ("tenantId", id, counter) SELECT 'tenant-' || (g % 7), g / 7, 0 FROM generate_series(1999, 0, -1) g`);
  const rows: { tenantId: string; id: number }[] = await ds.query(`SELECT "tenantId", id FROM tenant_counters ORDER BY "tenantId", id`);
  ordered = rows.map(keyText);
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const metadata = () => ds.getMetadata(TenantCounter);

async function keysWithin(range: KeyRange): Promise<string[]> {
  const params: unknown[] = [];
  const condition = range.sqlCondition("t", params);
  const rows: { tenantId: string; id: number }[] = await ds.query(`SELECT "tenantId", id FROM tenant_counters t WHERE ${condition} ORDER BY "tenantId", id`, params);
  return rows.map(keyText);
}

test("the condition's SQL: BETWEEN for one column, row comparisons on the whole key for a composite one", () => {
  const bound = (i: number, type: string) => `$${i + 3}::${type}`;
  expect(keyRangeSql([`t."id"`], ["integer"], bound)).toBe(`t."id" BETWEEN $3::integer AND $4::integer`);
  expect(keyRangeSql([`t."tenantId"`, `t."id"`], ["character varying", "integer"], bound)).toBe(
    `(t."tenantId", t."id") >= ($3::character varying, $4::integer) AND (t."tenantId", t."id") <= ($5::character varying, $6::integer)`,
  );

  const params: unknown[] = ["already", "there"];
  const range = KeyRange.fromLedger(metadata(), { lo: `["tenant-1","100"]`, hi: `["tenant-3","7"]` });
  expect(range.sqlCondition("t", params)).toBe(
    `(t."tenantId", t."id") >= ($3::character varying, $4::integer) AND (t."tenantId", t."id") <= ($5::character varying, $6::integer)`,
  );
  expect(params).toEqual(["already", "there", "tenant-1", "100", "tenant-3", "7"]);
});

test("run on the database, the condition selects exactly the rows from lo to hi in the key's row order (across tenants, bounds included)", async () => {
  for (const [from, to] of [
    [0, ordered.length - 1],
    [5, 6],
    [250, 250],
    [280, 1300], // from tenant-0 well into tenant-4
    [1700, 1999],
  ]) {
    const range = KeyRange.fromLedger(metadata(), { lo: ordered[from], hi: ordered[to] });
    expect(await keysWithin(range)).toEqual(ordered.slice(from, to + 1));
  }
  // Bounds that are no row's key still bound by row order: ("tenant-2", 1000) lies past every key of tenant-2.
  const past = KeyRange.fromLedger(metadata(), { lo: `["tenant-2","1000"]`, hi: `["tenant-3","1"]` });
  expect(await keysWithin(past)).toEqual([`["tenant-3","0"]`, `["tenant-3","1"]`]);
});

test("PostgreSQL answers the row comparisons from the primary key's index (an index condition, not a filter over the table)", async () => {
  await ds.query(`ANALYZE tenant_counters`);
  const params: unknown[] = [];
  const condition = KeyRange.fromLedger(metadata(), { lo: ordered[300], hi: ordered[400] }).sqlCondition("t", params);
  const plan: { "QUERY PLAN": string }[] = await ds.query(`EXPLAIN SELECT * FROM tenant_counters t WHERE ${condition}`, params);
  const text = plan.map((p) => p["QUERY PLAN"]).join("\n");
  expect(text).not.toContain("Seq Scan");
  expect(text).toMatch(/Index (Only )?Scan (using|on) "PK_/);
  expect(text).toMatch(/Index Cond: \(\(ROW\(.*\) >= ROW\(.*\)\) AND \(ROW\(.*\) <= ROW\(/);
});

test("the update's SQL carries the composite range after the unnest arrays, and runs", async () => {
  const keys = metadata().primaryColumns.map(codecFor);
  const counter = codecFor(metadata().findColumnWithPropertyName("counter")!);
  const statement = buildUpdate({ table: `"tenant_counters"`, keys, sets: [{ codec: counter, partial: false }], keyRange: true, returning: keys });
  expect(statement.sql).toBe(
    `UPDATE "tenant_counters" AS t SET "counter" = v."counter" ` +
      `FROM unnest($1::character varying[], $2::integer[], $3::integer[]) AS v("tenantId", "id", "counter") ` +
      `WHERE t."tenantId" = v."tenantId" AND t."id" = v."id" ` +
      `AND (t."tenantId", t."id") >= ($4::character varying, $5::integer) AND (t."tenantId", t."id") <= ($6::character varying, $7::integer) ` +
      `RETURNING t."tenantId", t."id"`,
  );
  const range = KeyRange.fromLedger(metadata(), { lo: `["tenant-1","0"]`, hi: `["tenant-1","1"]` });
  // Three rows asked for; the one outside the range ("tenant-1", 2) is not written.
  const [rows]: [unknown[], number] = await ds.query(statement.sql, [`{tenant-1,tenant-1,tenant-1}`, `{0,1,2}`, `{5,5,5}`, ...range.values()]);
  expect(rows).toEqual([
    { tenantId: "tenant-1", id: 0 },
    { tenantId: "tenant-1", id: 1 },
  ]);
  expect(await ds.query(`SELECT id, counter FROM tenant_counters WHERE "tenantId" = 'tenant-1' AND id <= 2 ORDER BY id`)).toEqual([
    { id: 0, counter: 5 },
    { id: 1, counter: 5 },
    { id: 2, counter: 0 },
  ]);
  await ds.query(`UPDATE tenant_counters SET counter = 0`);
});

test("a one-column key's update keeps its BETWEEN, unchanged", () => {
  const m = ds.getMetadata(Counter);
  const keys = m.primaryColumns.map(codecFor);
  const statement = buildUpdate({ table: `"counters"`, keys, sets: [{ codec: codecFor(m.findColumnWithPropertyName("counter")!), partial: false }], keyRange: true, returning: keys });
  expect(statement.sql).toBe(
    `UPDATE "counters" AS t SET "counter" = v."counter" FROM unnest($1::integer[], $2::integer[]) AS v("id", "counter") ` +
      `WHERE t."id" = v."id" AND t."id" BETWEEN $3::integer AND $4::integer RETURNING t."id"`,
  );
});

class PlanTenants extends DataScript<TenantCounter> {
  entity = TenantCounter;
  chunkSize = 300;
  mutate() {}
}

const ctx = (): ScriptContext => ({ dataSource: ds, manager: ds.manager, dryRun: false, workerId: 0, params: {}, log: () => undefined });

test("the plan chunks a composite key by its row order: chunks of chunkSize keys, bounds as JSON arrays, every row in exactly one", async () => {
  const ranges = await planKeyRanges(ds, new PlanTenants(), ctx());
  const expected = [];
  for (let i = 0; i < ordered.length; i += 300) expected.push({ chunkNo: i / 300 + 1, lo: ordered[i], hi: ordered[Math.min(i + 300, ordered.length) - 1] });
  expect(ranges).toEqual(expected);
  expect(ranges[0].lo).toBe(`["tenant-0","0"]`);
  const covered = [];
  for (const r of ranges) covered.push(...(await keysWithin(KeyRange.fromLedger(metadata(), { lo: r.lo!, hi: r.hi! }))));
  expect(covered).toEqual(ordered);
});

test("a script's where() narrows a composite plan to the rows it selects, still in the key's row order", async () => {
  class EvenIds extends PlanTenants {
    where(qb: SelectQueryBuilder<TenantCounter>) {
      return qb.where("row.id % 2 = 0");
    }
  }
  const even = ordered.filter((k) => Number(JSON.parse(k)[1]) % 2 === 0);
  const ranges = await planKeyRanges(ds, new EvenIds(), ctx());
  expect(ranges.map((r) => [r.lo, r.hi])).toEqual(
    Array.from({ length: Math.ceil(even.length / 300) }, (_, i) => [even[i * 300], even[Math.min(i * 300 + 300, even.length) - 1]]),
  );
});

test("a timed-out composite range is split at its middle row: two adjacent halves that cover it", async () => {
  const lo = ordered[250];
  const hi = ordered[749]; // 500 rows across tenant-0 and tenant-1
  const split = await splitRange(ds.manager, metadata(), { lo, hi });
  expect(split).toEqual({ first: { lo, hi: ordered[499] }, second: { lo: ordered[500], hi } });
  expect(await splitRange(ds.manager, metadata(), { lo, hi: lo })).toBeUndefined(); // one row: the floor
});

test("a ledger bound that is not the key's JSON array is refused with a message that says what it holds", () => {
  expect(() => KeyRange.fromLedger(metadata(), { lo: "17", hi: `["tenant-1","2"]` })).toThrow(/must be a JSON array of 2 strings; the ledger holds "17"/);
  expect(() => KeyRange.of(metadata(), { lo: ["a"], hi: ["b", 1] })).toThrow(/needs each bound as an array of 2 values/);
});
