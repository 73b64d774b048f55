import { DataSource } from "typeorm";
import { bulkInsert, bulkUpdate, bulkUpsert, rememberLoaded } from "typeorm-data-script";
import { Mood, OddNames, TypesBulk } from "../fixtures/bulk/entities";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { EventRecorder, SqlLog, type LoggedQuery } from "./harness";

/**
 * What every bulk statement must be: every identifier quoted (schema, table,
 * columns, enum type), no value ever in the SQL text, one bind parameter per
 * column, and the same text for every chunk of the same shape.
 */

let db: TestDatabase;
let ds: DataSource;
const log = new SqlLog();

beforeAll(async () => {
  db = await createTestDatabase("bulk_sql");
  await db.query(`CREATE SCHEMA "Bulk Schema"`);
  await db.query(`CREATE TYPE "Bulk Schema"."odd_mood" AS ENUM ('happy', 'sad', 'so so')`);
  await db.query(
    `CREATE TABLE "Bulk Schema"."Odd ""Table""" ("Id" serial PRIMARY KEY, "we""ird" text, "select" int, ` +
      `"Mixed Case" varchar NOT NULL UNIQUE, "from" "Bulk Schema"."odd_mood")`,
  );
  ds = new DataSource({ type: "postgres", url: db.url, entities: [OddNames, TypesBulk], subscribers: [EventRecorder], synchronize: true, logging: true, logger: log });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await ds.query(`TRUNCATE "Bulk Schema"."Odd ""Table""", types_bulk RESTART IDENTITY`);
  log.clear();
});

const writes = (table: string) => log.queries.filter((q) => q.sql.startsWith(`INSERT INTO ${table}`) || q.sql.startsWith(`UPDATE ${table}`));
const ODD = `"Bulk Schema"."Odd ""Table"""`;
const odd = (i: number, extra: Partial<OddNames> = {}) => Object.assign(new OddNames(), { mixed: `m${i}`, weird: `w${i}`, select: i, from: Mood.SoSo, ...extra });

/** TypeORM 1.x doubles a `"` inside a quoted name; 0.3 does not, so its query builder (the upsert's load) cannot query OddNames. */
const typeormQuotesNames = () => ds.driver.escape('"') === '""""';

function expectOneParamPerArray(q: LoggedQuery) {
  const highest = Math.max(...[...q.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  expect(highest).toBe(q.params!.length);
}

test("every identifier is quoted: schema and table with spaces and a double quote, reserved words, mixed case, a schema-qualified enum", async () => {
  const rows = [odd(1), odd(2, { from: null })];
  await bulkInsert(ds.manager, rows);
  const [insert] = writes(ODD);
  expect(insert.sql).toBe(
    `INSERT INTO ${ODD} AS t ("we""ird", "select", "Mixed Case", "from") ` +
      `SELECT v."we""ird", v."select", v."Mixed Case", v."from" ` +
      `FROM unnest($1::text[], $2::integer[], $3::character varying[], $4::"Bulk Schema"."odd_mood"[]) ` +
      `WITH ORDINALITY AS v("we""ird", "select", "Mixed Case", "from", "__ord") ORDER BY v."__ord" RETURNING t."Id"`,
  );
  expect(rows.map((r) => r.id)).toEqual([1, 2]);

  rows.forEach((r) => rememberLoaded(ds.getMetadata(OddNames), r));
  rows[0].weird = "changed";
  rows[1].from = Mood.Happy;
  log.clear();
  await bulkUpdate(ds.manager, rows);
  const [update] = writes(ODD);
  expect(update.sql).toBe(
    `UPDATE ${ODD} AS t SET "we""ird" = CASE WHEN v."__set_0" THEN v."we""ird" ELSE t."we""ird" END, ` +
      `"from" = CASE WHEN v."__set_1" THEN v."from" ELSE t."from" END ` +
      `FROM unnest($1::integer[], $2::text[], $3::"Bulk Schema"."odd_mood"[], $4::boolean[], $5::boolean[]) ` +
      `AS v("Id", "we""ird", "from", "__set_0", "__set_1") ` +
      `WHERE t."Id" = v."Id" AND t."Id" BETWEEN $6::integer AND $7::integer RETURNING t."Id"`,
  );

  log.clear();
  if (!typeormQuotesNames()) {
    // TypeORM 0.3: find() and save() fail on these names too; the upsert's load says why instead of a syntax error.
    await expect(bulkUpsert(ds.manager, [odd(2, { select: 20 }), odd(3)], { conflictColumns: ["mixed"] })).rejects.toThrow(/cannot query/);
    return;
  }
  const result = await bulkUpsert(ds.manager, [odd(2, { select: 20 }), odd(3)], { conflictColumns: ["mixed"] });
  expect([result.created, result.updated]).toEqual([1, 1]);
  const [upsert] = writes(ODD);
  expect(upsert.sql).toContain(`ON CONFLICT ("Mixed Case") DO UPDATE SET "we""ird" = EXCLUDED."we""ird", "select" = EXCLUDED."select", "from" = EXCLUDED."from"`);
  expect(upsert.sql).toContain(`CASE WHEN v."__default_0" THEN nextval(pg_get_serial_sequence('"Bulk Schema"."Odd ""Table"""', 'Id')) ELSE v."Id" END`);
  expect(await db.query(`SELECT "Id", "we""ird" AS weird, "select", "Mixed Case" AS mixed, "from" FROM ${ODD} ORDER BY "Id"`)).toEqual([
    { Id: 1, weird: "changed", select: 1, mixed: "m1", from: "so so" },
    { Id: 2, weird: "w2", select: 20, mixed: "m2", from: "so so" }, // the upsert sets it back
    { Id: 3, weird: "w3", select: 3, mixed: "m3", from: "so so" },
  ]);
});

test("no value is ever part of the SQL text: injection-shaped values are stored as given", async () => {
  const nasty = [`'); DROP TABLE types_bulk; --`, `$1`, `" OR 1=1 --`, `\\'`, `{"a":1}`, `NULL`, `E'\\x00'`];
  const rows = nasty.map((v, i) => Object.assign(new TypesBulk(), { key: v, body: v, short: v.slice(0, 12), labels: [v, v], docb: { [v]: v }, user: v, int: i }));
  await bulkInsert(ds.manager, rows);
  rows.forEach((r) => rememberLoaded(ds.getMetadata(TypesBulk), r));
  rows.forEach((r) => (r.mixedCase = r.body));
  await bulkUpdate(ds.manager, rows);
  await bulkUpsert(ds.manager, nasty.map((v) => Object.assign(new TypesBulk(), { key: v, tags: [v.replace(/,/g, "")] })), { conflictColumns: ["key"] });
  const statements = writes(`"types_bulk"`);
  expect(statements).toHaveLength(3);
  for (const q of statements) {
    for (const v of nasty) if (v.length > 3) expect(q.sql).not.toContain(v);
    expectOneParamPerArray(q);
  }
  const stored = await ds.getRepository(TypesBulk).find({ order: { int: "ASC" } });
  expect(stored.map((r) => [r.key, r.body, r.labels, r.docb, r.user, r.mixedCase, r.tags])).toEqual(
    nasty.map((v) => [v, v, [v, v], { [v]: v }, v, v, [v.replace(/,/g, "")]]),
  );
});

test("the same SQL text for every chunk of the same shape, whatever its size and values", async () => {
  const make = (from: number, n: number) => Array.from({ length: n }, (_, i) => odd(from + i, { weird: `x${Math.random()}` }));
  const chunks = [make(0, 3), make(100, 40), make(1000, 1)];
  for (const chunk of chunks) await bulkInsert(ds.manager, chunk);
  for (const chunk of chunks) {
    chunk.forEach((r) => rememberLoaded(ds.getMetadata(OddNames), r));
    chunk.forEach((r, i) => (r.select = i * 7)); // every row changes "select"
  }
  for (const chunk of chunks) await bulkUpdate(ds.manager, chunk);
  const upserts = typeormQuotesNames(); // the upsert loads through TypeORM's query builder: not on 0.3 (see above)
  for (const chunk of upserts ? chunks : []) {
    await bulkUpsert(
      ds.manager,
      chunk.map((r) => odd(0, { mixed: r.mixed, weird: "upserted", select: undefined, from: undefined })),
      { conflictColumns: ["mixed"] },
    );
  }
  const statements = writes(ODD);
  expect(statements).toHaveLength(upserts ? 9 : 6);
  for (const kind of upserts ? [0, 1, 2] : [0, 1]) {
    const texts = new Set(statements.slice(kind * 3, kind * 3 + 3).map((q) => q.sql));
    expect(texts.size).toBe(1);
  }
  for (const q of statements) expectOneParamPerArray(q);
  // …while the arrays carry each chunk's rows.
  expect(statements.slice(0, 3).map((q) => (q.params![0] as unknown[]).length)).toEqual([3, 40, 1]);
});
