import { EventSubscriber, type EntitySubscriberInterface, type ObjectLiteral } from "typeorm";
import { bulkUpdate, bulkUpsert, rememberLoaded } from "typeorm-data-script";
import { TypesBulk, VersionedBulk } from "../fixtures/bulk/entities";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDataSource, type Harness } from "./harness";

/**
 * Live traffic between the load and the bulk write: another connection
 * (db.query, its own pg client, autocommit) changes rows after the script
 * loaded them and before bulkUpdate writes.
 */

let db: TestDatabase;
let h: Harness;

/** Runs live traffic from inside the writer's window (after its SELECT, before its statement) when set. */
let duringBeforeUpdate: (() => Promise<void>) | undefined;
@EventSubscriber()
class Interloper implements EntitySubscriberInterface {
  async beforeUpdate() {
    const work = duringBeforeUpdate;
    duringBeforeUpdate = undefined;
    if (work) await work();
  }
}

beforeAll(async () => {
  db = await createTestDatabase("bulk_concurrent");
  h = await openDataSource(db, [TypesBulk, VersionedBulk], [Interloper]);
});
afterAll(async () => {
  await h?.ds.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await h.ds.query(`TRUNCATE types_bulk, versioned_bulk RESTART IDENTITY`);
  h.events.events = [];
});

const loadRemembered = async <T extends ObjectLiteral>(target: new () => T) => {
  const rows = await h.ds.getRepository(target).find({ order: { id: "ASC" } as never });
  rows.forEach((r) => rememberLoaded(h.ds.getMetadata(target), r));
  return rows;
};

test("a column someone else wrote after the load keeps their value; only the script's columns are written", async () => {
  await h.ds.getRepository(TypesBulk).insert([
    { key: "r1", body: "a1", int: 1 },
    { key: "r2", body: "a2", int: 2 },
    { key: "r3", body: "a3", int: 3 },
  ]);
  const rows = await loadRemembered(TypesBulk);
  // The script: row 1 changes body, row 2 changes int, row 3 both.
  rows[0].body = "script-1";
  rows[1].int = 20;
  rows[2].body = "script-3";
  rows[2].int = 30;

  // Meanwhile, live traffic writes the other column of rows 1 and 2, and a third column of row 3.
  await db.query(`UPDATE types_bulk SET "int" = 100 WHERE id = 1`);
  await db.query(`UPDATE types_bulk SET body = 'live-2' WHERE id = 2`);
  await db.query(`UPDATE types_bulk SET short = 'live-3' WHERE id = 3`);

  const result = await bulkUpdate(h.ds.manager, rows);
  expect(result.updated).toBe(3);
  expect(result.changes.map((c) => c.updatedColumns.map((col) => col.propertyPath))).toEqual([["body"], ["int"], ["int", "body"]]);
  expect(await db.query(`SELECT id, body, "int", short FROM types_bulk ORDER BY id`)).toEqual([
    { id: 1, body: "script-1", int: 100, short: null },
    { id: 2, body: "live-2", int: 20, short: null },
    { id: 3, body: "script-3", int: 30, short: "live-3" },
  ]);
});

test("a row whose version moved since the load is skipped and reported in conflicts; the others are written", async () => {
  await h.ds.getRepository(VersionedBulk).save([
    Object.assign(new VersionedBulk(), { key: "v1", name: "One" }),
    Object.assign(new VersionedBulk(), { key: "v2", name: "Two" }),
  ]);
  const rows = await loadRemembered(VersionedBulk);
  rows[0].name = "Script One";
  rows[1].name = "Script Two";
  // Live traffic bumps row 1's version (as save() would) after the load.
  await db.query(`UPDATE versioned_bulk SET note = 'live', version = version + 1 WHERE id = 1`);
  h.events.events = [];

  const result = await bulkUpdate(h.ds.manager, rows);
  expect(result.updated).toBe(1);
  expect(result.conflicts).toEqual([rows[0]]);
  expect(result.changes.map((c) => c.entity)).toEqual([rows[1]]);
  expect(await db.query(`SELECT id, name, note, version FROM versioned_bulk ORDER BY id`)).toEqual([
    { id: 1, name: "One", note: "live", version: 2 },
    { id: 2, name: "Script Two", note: null, version: 2 },
  ]);
  // The skipped row keeps its loaded version in memory; the written one has the new version.
  expect([rows[0].version, rows[1].version]).toEqual([1, 2]);
  // afterUpdate only for the written row (beforeUpdate fired for both: the conflict shows only in the write).
  expect(h.events.events.filter((e) => e.kind === "afterUpdate").map((e) => e.entity.key)).toEqual(["v2"]);
});

test("standalone: an entity carrying a stale version is a conflict, not a write that sets the version back", async () => {
  await h.ds.getRepository(VersionedBulk).save([Object.assign(new VersionedBulk(), { key: "v1", name: "One" })]);
  const [stale] = await h.ds.getRepository(VersionedBulk).find(); // loaded without rememberLoaded
  await db.query(`UPDATE versioned_bulk SET note = 'live', version = version + 1 WHERE id = 1`);
  stale.name = "Stale write";
  const result = await bulkUpdate(h.ds.manager, [stale]);
  expect(result.updated).toBe(0);
  expect(result.conflicts).toEqual([stale]);
  expect(await db.query(`SELECT name, note, version FROM versioned_bulk`)).toEqual([{ name: "One", note: "live", version: 2 }]);
});

test("bulkUpsert locks the existing rows it read: a write to another column in its window waits instead of being overwritten", async () => {
  await h.ds.getRepository(TypesBulk).insert([{ key: "k", body: "before", int: 1 }]);
  let other: unknown = "not run";
  duringBeforeUpdate = async () => {
    // Live traffic between bulkUpsert's SELECT and its INSERT … ON CONFLICT: the row is locked, so it cannot slip in.
    other = await db
      .query(`SET lock_timeout = '300ms'; UPDATE types_bulk SET "int" = 99 WHERE key = 'k'`)
      .then(() => "written", (e: Error) => e.message);
  };
  const result = await bulkUpsert(h.ds.manager, [Object.assign(new TypesBulk(), { key: "k", body: "upserted" })], { conflictColumns: ["key"] });
  expect(result.updated).toBe(1);
  expect(other).toMatch(/lock timeout/);
  // Once the upsert committed, the other write goes through and stays.
  await db.query(`SET lock_timeout = 0; UPDATE types_bulk SET "int" = 99 WHERE key = 'k'`);
  expect(await db.query(`SELECT body, "int" FROM types_bulk`)).toEqual([{ body: "upserted", int: 99 }]);
});
