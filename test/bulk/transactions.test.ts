import {
  DataSource,
  EventSubscriber,
  type EntitySubscriberInterface,
  type InsertEvent,
  type TransactionCommitEvent,
  type UpdateEvent,
} from "typeorm";
import { bulkInsert, bulkUpdate, bulkUpsert, BulkWriteError, rememberLoaded } from "typeorm-data-script";
import { TypesBulk, VersionedBulk, type Versioned } from "../fixtures/bulk/entities";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Events run inside the bulk write's transaction (the caller's, or one the
 * writer opens): what a subscriber writes commits or rolls back with the data.
 */

let db: TestDatabase;
let ds: DataSource;

/** Test switches for the subscriber below. */
const behaviour = { failAfterUpdateOn: "", failAfterInsertOn: "", stamp: false };
let commits = 0;

@EventSubscriber()
class AuditPerRow implements EntitySubscriberInterface<Versioned> {
  listenTo() {
    return VersionedBulk;
  }
  // A before-subscriber that changes the entity: its change must be written too.
  beforeInsert(e: InsertEvent<Versioned>) {
    if (behaviour.stamp) e.entity.note = `stamped at insert`;
  }
  beforeUpdate(e: UpdateEvent<Versioned>) {
    if (behaviour.stamp) (e.entity as Versioned).note = `stamped at update`;
  }
  // One round trip per row, through the event's own manager (the writer's transaction).
  async afterInsert(e: InsertEvent<Versioned>) {
    await e.manager.query(`INSERT INTO bulk_audit (key, action) VALUES ($1, 'insert')`, [e.entity.key]);
    if (e.entity.key === behaviour.failAfterInsertOn) throw new Error(`audit refused ${e.entity.key}`);
  }
  async afterUpdate(e: UpdateEvent<Versioned>) {
    const key = (e.entity as Versioned).key;
    await e.manager.query(`INSERT INTO bulk_audit (key, action) VALUES ($1, 'update')`, [key]);
    if (key === behaviour.failAfterUpdateOn) throw new Error(`audit refused ${key}`);
  }
  beforeTransactionCommit(e: TransactionCommitEvent) {
    if (e.queryRunner.isTransactionActive) commits++;
  }
}

beforeAll(async () => {
  db = await createTestDatabase("bulk_tx");
  ds = new DataSource({ type: "postgres", url: db.url, entities: [VersionedBulk, TypesBulk], subscribers: [AuditPerRow], synchronize: true });
  await ds.initialize();
  await ds.query(`CREATE TABLE bulk_audit (id serial PRIMARY KEY, key text NOT NULL, action text NOT NULL)`);
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await ds.query(`TRUNCATE versioned_bulk, types_bulk, bulk_audit RESTART IDENTITY`);
  behaviour.failAfterInsertOn = behaviour.failAfterUpdateOn = "";
  behaviour.stamp = false;
  commits = 0;
});

const row = (key: string, name = key) => Object.assign(new VersionedBulk(), { key, name });
const audit = () => ds.query(`SELECT key, action FROM bulk_audit ORDER BY id`);

test("standalone: each writer commits its own transaction, with the rows a per-row subscriber wrote", async () => {
  await bulkInsert(ds.manager, [row("a"), row("b")]);
  expect(commits).toBe(1);
  const loaded = await ds.getRepository(VersionedBulk).find({ order: { id: "ASC" } });
  loaded.forEach((e) => rememberLoaded(ds.getMetadata(VersionedBulk), e));
  loaded[1].name = "B";
  await bulkUpdate(ds.manager, loaded);
  await bulkUpsert(ds.manager, [row("a", "A"), row("c")], { conflictColumns: ["key"] });
  expect(commits).toBe(3);
  expect(await audit()).toEqual([
    { key: "a", action: "insert" },
    { key: "b", action: "insert" },
    { key: "b", action: "update" },
    { key: "c", action: "insert" },
    { key: "a", action: "update" },
  ]);
});

test("changes a before-subscriber makes are written, and reported in updatedColumns", async () => {
  behaviour.stamp = true;
  const rows = [row("a"), row("b")];
  await bulkInsert(ds.manager, rows);
  const loaded = await ds.getRepository(VersionedBulk).find({ order: { id: "ASC" } });
  loaded.forEach((e) => rememberLoaded(ds.getMetadata(VersionedBulk), e));
  loaded[0].name = "A";
  const update = await bulkUpdate(ds.manager, loaded);
  expect(update.changes.map((c) => c.updatedColumns.map((col) => col.propertyPath))).toEqual([["name", "note"]]); // slug: the listener derives "a" again
  const upsert = await bulkUpsert(ds.manager, [row("b", "B"), row("c")], { conflictColumns: ["key"] });
  expect([upsert.created, upsert.updated]).toEqual([1, 1]);
  expect(await ds.query(`SELECT key, name, note FROM versioned_bulk ORDER BY id`)).toEqual([
    { key: "a", name: "A", note: "stamped at update" },
    { key: "b", name: "B", note: "stamped at update" },
    { key: "c", name: "c", note: "stamped at insert" },
  ]);
});

test("a subscriber failing in afterUpdate rolls back the whole write and every audit row", async () => {
  await bulkInsert(ds.manager, [row("a"), row("b"), row("c")]);
  behaviour.failAfterUpdateOn = "b";
  const loaded = await ds.getRepository(VersionedBulk).find({ order: { id: "ASC" } });
  loaded.forEach((e) => (e.name = e.name.toUpperCase()));
  await expect(bulkUpdate(ds.manager, loaded)).rejects.toThrow("audit refused b");
  expect(await ds.query(`SELECT name, version FROM versioned_bulk ORDER BY id`)).toEqual([
    { name: "a", version: 1 },
    { name: "b", version: 1 },
    { name: "c", version: 1 },
  ]);
  expect(await audit()).toEqual([
    { key: "a", action: "insert" },
    { key: "b", action: "insert" },
    { key: "c", action: "insert" },
  ]);
});

test("inside the caller's transaction: the writers use it, and its rollback undoes rows and audit alike", async () => {
  await expect(
    ds.transaction(async (m) => {
      await bulkInsert(m, [row("a")]);
      await bulkUpsert(m, [row("a", "A"), row("b")], { conflictColumns: ["key"] });
      expect(await m.query(`SELECT count(*)::int AS n FROM bulk_audit`)).toEqual([{ n: 3 }]);
      throw new Error("caller gives up");
    }),
  ).rejects.toThrow("caller gives up");
  expect(commits).toBe(0);
  expect(await ds.query(`SELECT count(*)::int AS n FROM versioned_bulk`)).toEqual([{ n: 0 }]);
  expect(await audit()).toEqual([]);
});

test("a value the column rejects fails the statement: nothing written, no afterInsert", async () => {
  await expect(bulkInsert(ds.manager, [Object.assign(new TypesBulk(), { key: "ok", short: "fits" }), Object.assign(new TypesBulk(), { key: "bad", short: "thirteen char" })])).rejects.toThrow(
    /value too long for type character varying\(12\)/,
  );
  expect(await ds.query(`SELECT count(*)::int AS n FROM types_bulk`)).toEqual([{ n: 0 }]);
  behaviour.failAfterInsertOn = "b";
  await expect(bulkInsert(ds.manager, [row("a"), row("b")])).rejects.toThrow("audit refused b");
  expect(await ds.query(`SELECT count(*)::int AS n FROM versioned_bulk`)).toEqual([{ n: 0 }]);
  expect(await audit()).toEqual([]);
});

test("refused before anything is written: a duplicate key in one call, a missing row, plain objects", async () => {
  await bulkInsert(ds.manager, [row("a")]);
  const twice = [Object.assign(new VersionedBulk(), { id: 1, name: "x" }), Object.assign(new VersionedBulk(), { id: 1, name: "y" })];
  await expect(bulkUpdate(ds.manager, twice)).rejects.toThrow("Versioned row 1 appears twice in one chunk");
  await expect(bulkUpsert(ds.manager, [row("k"), row("k")], { conflictColumns: ["key"] })).rejects.toThrow(BulkWriteError);
  await expect(bulkUpdate(ds.manager, [Object.assign(new VersionedBulk(), { id: 99, name: "ghost" })])).rejects.toThrow(
    "bulkUpdate: Versioned row 99 does not exist",
  );
  await expect(bulkInsert(ds.manager, [{ key: "plain", name: "object" }])).rejects.toThrow(/expected entity instances/);
  await expect(bulkUpsert(ds.manager, [row("z")], { conflictColumns: ["nope"] })).rejects.toThrow(`Versioned has no column "nope" (conflictColumns)`);
  const [loaded] = await ds.getRepository(VersionedBulk).find();
  rememberLoaded(ds.getMetadata(VersionedBulk), loaded);
  loaded.id = 42;
  await expect(bulkUpdate(ds.manager, [loaded])).rejects.toThrow("changing the primary key is not supported: Versioned.id of row 1");
  expect(await ds.query(`SELECT id, key, name FROM versioned_bulk`)).toEqual([{ id: 1, key: "a", name: "a" }]);
});
