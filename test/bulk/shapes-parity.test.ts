import { In, type ObjectLiteral } from "typeorm";
import { bulkInsert, bulkUpdate, bulkUpsert, BulkWriteError, rememberLoaded } from "typeorm-data-script";
import {
  AnimalsBulk,
  Badge,
  Kitten,
  Litter,
  AnimalsSave,
  CompositeBulk,
  CompositeSave,
  Owner,
  PetBulk,
  PetSave,
  Tick,
  TypesBulk,
  TypesSave,
  UuidBulk,
  UuidSave,
  VersionedBulk,
  VersionedSave,
  allEntities,
} from "../fixtures/bulk/entities";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { expectTwins, openDataSource, VOLATILE, type Harness } from "./harness";

/**
 * Entity shapes beyond plain columns, each written by a bulk writer and by
 * save() on a twin table: generated dates / version / defaults / listeners,
 * a uuid key, a composite key, single-table inheritance, ManyToOne relations.
 */

let db: TestDatabase;
let h: Harness;

beforeAll(async () => {
  db = await createTestDatabase("bulk_shapes");
  h = await openDataSource(db, allEntities);
});
afterAll(async () => {
  await h?.ds.destroy();
  await db?.drop();
});
beforeEach(async () => {
  const tables = h.ds.entityMetadatas.filter((m) => m.tableType !== "entity-child").map((m) => `"${m.tableName}"`);
  await h.ds.query(`TRUNCATE ${[...new Set(tables)].join(", ")} RESTART IDENTITY CASCADE`);
  h.events.events = [];
  h.events.volatile = VOLATILE;
  h.log.clear();
});

type Ctor = new () => ObjectLiteral;
function make<T extends ObjectLiteral>(target: new () => T, values: Record<string, unknown>): T {
  return Object.assign(new target(), values);
}
/** The update_or_create way with save(): the input's set values merged into the loaded row. */
function merge<T extends ObjectLiteral>(loaded: T | null, input: T): T {
  if (!loaded) return input;
  for (const [k, v] of Object.entries(input)) if (v !== undefined) (loaded as ObjectLiteral)[k] = v;
  return loaded;
}
const repo = <T extends ObjectLiteral>(target: new () => T) => h.ds.getRepository<T>(target);
const single = (table: string) => {
  const writes = h.log.writesTo(table);
  expect(writes).toHaveLength(1);
  return writes[0];
};

describe("generated dates, version, defaults and a listener", () => {
  const inputs = () => [
    { key: "a", name: "First Row" },
    { key: "b", name: "Second Row", note: "n", status: "custom" },
    { key: "c", name: "Third", note: null },
  ];

  test("bulkInsert: generated values are in the entities before afterInsert, as with save()", async () => {
    const bulk = inputs().map((v) => make(VersionedBulk, v));
    const save = inputs().map((v) => make(VersionedSave, v));
    await bulkInsert(h.ds.manager, bulk);
    expect(single("versioned_bulk").sql).toBe(
      `INSERT INTO "versioned_bulk" AS t ("key", "name", "note", "slug", "status", "version") ` +
        `SELECT v."key", v."name", v."note", v."slug", CASE WHEN v."__default_4" THEN 'new' ELSE v."status" END, v."version" ` +
        `FROM unnest($1::character varying[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::boolean[]) ` +
        `WITH ORDINALITY AS v("key", "name", "note", "slug", "status", "version", "__default_4", "__ord") ORDER BY v."__ord" ` +
        `RETURNING t."id", t."status", t."token", t."createdAt", t."updatedAt", t."version"`,
    );
    await repo(VersionedSave).save(save);
    const events = await expectTwins(h, [VersionedBulk, VersionedSave], bulk, save);
    const after = events.filter((e) => e.kind === "afterInsert");
    expect(after.map((e) => [e.entity.id, e.entity.version, e.entity.status, e.entity.slug, e.entity.createdAt, e.entity.token])).toEqual([
      [1, 1, "new", "first-row", "<Date>", "<string>"],
      [2, 1, "custom", "second-row", "<Date>", "<string>"],
      [3, 1, "new", "third", "<Date>", "<string>"],
    ]);
  });

  test("bulkUpdate: version + 1 and a new updatedAt on changed rows only; listener changes are written", async () => {
    for (const t of [VersionedBulk, VersionedSave] as Ctor[]) await repo(t).save(inputs().map((v) => make(t, v)));
    await h.ds.query(`UPDATE versioned_bulk SET "updatedAt" = now() - interval '1 day'`);
    await h.ds.query(`UPDATE versioned_save SET "updatedAt" = now() - interval '1 day'`);
    h.events.events = [];
    const mutate = (rows: ObjectLiteral[]) => {
      rows[0].name = "Renamed Row"; // the listener derives slug from it
      rows[1].note = null;
      rows[2].slug = "manual"; // the listener puts it back: no change left, nothing written
    };
    const bulk = await repo(VersionedBulk).find({ order: { id: "ASC" } });
    bulk.forEach((e) => rememberLoaded(h.ds.getMetadata(VersionedBulk), e));
    const save = await repo(VersionedSave).find({ order: { id: "ASC" } });
    mutate(bulk);
    mutate(save);
    h.log.clear();
    const result = await bulkUpdate(h.ds.manager, bulk);
    expect(result.updated).toBe(2);
    expect(single("versioned_bulk").sql).toBe(
      `UPDATE "versioned_bulk" AS t SET "name" = CASE WHEN v."__set_0" THEN v."name" ELSE t."name" END, ` +
        `"note" = CASE WHEN v."__set_1" THEN v."note" ELSE t."note" END, ` +
        `"slug" = CASE WHEN v."__set_2" THEN v."slug" ELSE t."slug" END, ` +
        `"updatedAt" = CURRENT_TIMESTAMP, "version" = t."version" + 1 ` +
        `FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::boolean[], $8::integer[]) ` +
        `AS v("id", "name", "note", "slug", "__set_0", "__set_1", "__set_2", "__loaded_version") ` +
        `WHERE t."id" = v."id" AND t."version" = v."__loaded_version" AND t."id" BETWEEN $9::integer AND $10::integer ` +
        `RETURNING t."id", t."updatedAt", t."version"`,
    );
    await repo(VersionedSave).save(save);
    const events = await expectTwins(h, [VersionedBulk, VersionedSave], bulk, save);
    expect(events.filter((e) => e.kind === "afterUpdate").map((e) => [e.entity.id, e.updatedColumns])).toEqual([
      [1, ["name", "slug"]],
      [2, ["note"]],
    ]);
    expect(bulk.map((e) => e.version)).toEqual([2, 2, 1]);
    // updatedAt moved on the written rows only, in the table and in the entities.
    for (const table of ["versioned_bulk", "versioned_save"]) {
      const fresh = await h.ds.query(`SELECT id, "updatedAt" > now() - interval '1 hour' AS fresh FROM ${table} ORDER BY id`);
      expect(fresh.map((r: { fresh: boolean }) => r.fresh)).toEqual([true, true, false]);
    }
    expect(bulk[0].updatedAt.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    expect(bulk[2].updatedAt.getTime()).toBeLessThan(Date.now() - 3_600_000);
  });

  test("bulkUpsert: existing rows get update events with databaseEntity and version + 1, new rows insert events", async () => {
    for (const t of [VersionedBulk, VersionedSave] as Ctor[]) await repo(t).save(inputs().slice(0, 2).map((v) => make(t, v)));
    h.events.events = [];
    const upserts = [
      { key: "a", name: "First Row" }, // unchanged
      { key: "b", name: "Changed" },
      { key: "d", name: "New One" },
    ];
    const bulk = upserts.map((v) => make(VersionedBulk, v));
    const result = await bulkUpsert(h.ds.manager, bulk, { conflictColumns: ["key"] });
    expect([result.created, result.updated, result.unchanged]).toEqual([1, 1, 1]);
    const existing = new Map((await repo(VersionedSave).findBy({ key: In(upserts.map((u) => u.key)) })).map((e) => [e.key, e]));
    const save = upserts.map((v) => merge(existing.get(v.key) ?? null, make(VersionedSave, v)));
    await repo(VersionedSave).save(save);
    const events = await expectTwins(h, [VersionedBulk, VersionedSave], bulk, save);
    expect(events.map((e) => [e.kind, e.entity.key])).toEqual([
      ["beforeInsert", "d"],
      ["beforeUpdate", "b"],
      ["afterInsert", "d"],
      ["afterUpdate", "b"],
    ]);
    expect(bulk.map((e) => e.version)).toEqual([1, 2, 1]);
  });

  test("bulkInsert of rows that set nothing: every column takes its default", async () => {
    const bulk = [new Tick(), new Tick(), new Tick()];
    await bulkInsert(h.ds.manager, bulk);
    const write = single("tick");
    expect(write.sql).toBe(
      `INSERT INTO "tick" AS t SELECT FROM generate_series(1, $1::integer) AS v("__ord") ORDER BY v."__ord" RETURNING t."id", t."at"`,
    );
    expect(write.params).toEqual([3]);
    expect(bulk.map((e) => [e.id, e.at instanceof Date, e.n])).toEqual([
      [1, true, null],
      [2, true, null],
      [3, true, null],
    ]);
  });
});

describe("an explicit value for a serial primary key (not matched, on purpose)", () => {
  test("save() drops it and takes the sequence's next value; bulkInsert writes it", async () => {
    const saved = await repo(TypesSave).save(make(TypesSave, { id: 50, key: "s" }));
    expect(saved.id).toBe(1);
    const bulk = [make(TypesBulk, { id: 50, key: "b" }), make(TypesBulk, { key: "c" })];
    await bulkInsert(h.ds.manager, bulk);
    expect(bulk.map((e) => e.id)).toEqual([50, 1]);
    expect(await h.ds.query(`SELECT id, key FROM types_bulk ORDER BY id`)).toEqual([
      { id: 1, key: "c" },
      { id: 50, key: "b" },
    ]);
    // With an identity key ("BY DEFAULT"), save() keeps the given value too.
    expect((await repo(VersionedSave).save(make(VersionedSave, { id: 50, key: "v", name: "v" }))).id).toBe(50);
  });
});

describe("uuid primary key", () => {
  const volatile = new Set([...VOLATILE, "id"]);
  beforeEach(() => {
    h.events.volatile = volatile;
  });

  test("bulkInsert returns generated uuids; bulkUpdate and bulkUpsert match save()", async () => {
    const values = [
      { code: "a", qty: 1 },
      { code: "b", qty: null },
    ];
    const bulk = values.map((v) => make(UuidBulk, v));
    const save = values.map((v) => make(UuidSave, v));
    await bulkInsert(h.ds.manager, bulk);
    await repo(UuidSave).save(save);
    await expectTwins(h, [UuidBulk, UuidSave], bulk, save, { volatile, orderBy: ["code"] });
    expect(bulk.every((e) => /^[0-9a-f-]{36}$/.test(e.id))).toBe(true);
    expect((await repo(UuidBulk).findOneByOrFail({ id: bulk[0].id })).code).toBe("a");

    // Standalone update by uuid: no key range (uuid order in JS and PostgreSQL can differ… but is bounded by the span).
    h.log.clear();
    const bulkUpd = bulk.map((e) => make(UuidBulk, { id: e.id, qty: 5 }));
    const saveUpd = save.map((e) => make(UuidSave, { id: e.id, qty: 5 }));
    expect((await bulkUpdate(h.ds.manager, bulkUpd)).updated).toBe(2);
    expect(single("uuid_bulk").sql).toMatch(/^UPDATE "uuid_bulk" AS t SET "qty" = v."qty" FROM unnest\(\$1::uuid\[\], \$2::integer\[\]\)/);
    await repo(UuidSave).save(saveUpd);
    await expectTwins(h, [UuidBulk, UuidSave], bulkUpd, saveUpd, { volatile, orderBy: ["code"] });

    const ups = [
      { code: "b", qty: 7 },
      { code: "c", qty: 8 },
    ];
    const bulkUps = ups.map((v) => make(UuidBulk, v));
    await bulkUpsert(h.ds.manager, bulkUps, { conflictColumns: ["code"] });
    const existing = new Map((await repo(UuidSave).find()).map((e) => [e.code, e]));
    const saveUps = ups.map((v) => merge(existing.get(v.code) ?? null, make(UuidSave, v)));
    await repo(UuidSave).save(saveUps);
    await expectTwins(h, [UuidBulk, UuidSave], bulkUps, saveUps, { volatile, orderBy: ["code"] });
    expect(bulkUps[0].id).toBe(bulk[1].id);
  });
});

describe("composite primary key", () => {
  const values = () => [
    { tenant: 1, code: "x", label: "one", amount: "1.50" },
    { tenant: 1, code: "y", label: null, amount: "2" },
    { tenant: 2, code: "x", label: "three", amount: null },
  ];

  test("bulkInsert, bulkUpdate (standalone and snapshots), bulkUpsert match save()", async () => {
    const bulk = values().map((v) => make(CompositeBulk, v));
    const save = values().map((v) => make(CompositeSave, v));
    await bulkInsert(h.ds.manager, bulk);
    await repo(CompositeSave).save(save);
    await expectTwins(h, [CompositeBulk, CompositeSave], bulk, save);

    h.log.clear();
    const bulkUpd = [make(CompositeBulk, { tenant: 1, code: "y", label: "two" }), make(CompositeBulk, { tenant: 2, code: "x", amount: "3.25" })];
    const saveUpd = [make(CompositeSave, { tenant: 1, code: "y", label: "two" }), make(CompositeSave, { tenant: 2, code: "x", amount: "3.25" })];
    expect((await bulkUpdate(h.ds.manager, bulkUpd)).updated).toBe(2);
    const selects = h.log.queries.filter((q) => q.sql.startsWith("SELECT") && q.sql.includes("composite_bulk"));
    expect(selects).toHaveLength(1);
    expect(single("composite_bulk").sql).toBe(
      `UPDATE "composite_bulk" AS t SET "label" = CASE WHEN v."__set_0" THEN v."label" ELSE t."label" END, ` +
        `"amount" = CASE WHEN v."__set_1" THEN v."amount" ELSE t."amount" END ` +
        `FROM unnest($1::integer[], $2::character varying[], $3::text[], $4::numeric[], $5::boolean[], $6::boolean[]) ` +
        `AS v("tenant", "code", "label", "amount", "__set_0", "__set_1") ` +
        `WHERE t."tenant" = v."tenant" AND t."code" = v."code" RETURNING t."tenant", t."code"`,
    );
    await repo(CompositeSave).save(saveUpd);
    await expectTwins(h, [CompositeBulk, CompositeSave], bulkUpd, saveUpd);

    const loadedBulk = await repo(CompositeBulk).find({ order: { tenant: "ASC", code: "ASC" } });
    loadedBulk.forEach((e) => rememberLoaded(h.ds.getMetadata(CompositeBulk), e));
    const loadedSave = await repo(CompositeSave).find({ order: { tenant: "ASC", code: "ASC" } });
    for (const rows of [loadedBulk, loadedSave]) rows[0].label = null;
    await bulkUpdate(h.ds.manager, loadedBulk);
    await repo(CompositeSave).save(loadedSave);
    await expectTwins(h, [CompositeBulk, CompositeSave], loadedBulk, loadedSave);

    const ups = [
      { tenant: 1, code: "x", label: "upserted" },
      { tenant: 3, code: "z", label: "new", amount: "0.001" },
    ];
    const bulkUps = ups.map((v) => make(CompositeBulk, v));
    const result = await bulkUpsert(h.ds.manager, bulkUps, { conflictColumns: ["tenant", "code"] });
    expect([result.created, result.updated]).toEqual([1, 1]);
    const saveUps = await Promise.all(
      ups.map(async (v) => merge(await repo(CompositeSave).findOneBy({ tenant: v.tenant, code: v.code }), make(CompositeSave, v))),
    );
    await repo(CompositeSave).save(saveUps);
    await expectTwins(h, [CompositeBulk, CompositeSave], bulkUps, saveUps);
  });
});

describe("single-table inheritance", () => {
  test("children are inserted with their discriminator, updated and upserted (by primary key) like save()", async () => {
    const { Dog: DogB, Cat: CatB } = AnimalsBulk;
    const { Dog: DogS, Cat: CatS } = AnimalsSave;
    const dogs = (D: Ctor) => [make(D, { name: "Rex", barks: true }), make(D, { name: "Fido" })];
    const bulk = dogs(DogB);
    const save = dogs(DogS);
    await bulkInsert(h.ds.manager, bulk);
    expect(single("animal_bulk").sql).toContain(`("name", "barks", "kind") SELECT v."name", v."barks", v."kind" FROM unnest(`);
    expect(h.log.writesTo("animal_bulk")[0].params![2]).toEqual(["dog", "dog"]);
    await repo(DogS).save(save);
    await expectTwins(h, [DogB, DogS], bulk, save);
    const cats = [make(CatB, { name: "Tom", lives: 9 })];
    const catsS = [make(CatS, { name: "Tom", lives: 9 })];
    await bulkInsert(h.ds.manager, cats);
    await repo(CatS).save(catsS);
    await expectTwins(h, [CatB, CatS], cats, catsS);

    const loaded = await repo(DogB).find({ order: { id: "ASC" } });
    expect(loaded.map((d) => d.constructor)).toEqual([DogB, DogB]);
    loaded.forEach((e) => rememberLoaded(h.ds.getMetadata(DogB), e));
    const loadedS = await repo(DogS).find({ order: { id: "ASC" } });
    for (const rows of [loaded, loadedS]) rows[1].barks = false;
    expect((await bulkUpdate(h.ds.manager, loaded)).updated).toBe(1);
    await repo(DogS).save(loadedS);
    await expectTwins(h, [DogB, DogS], loaded, loadedS);

    // By primary key: a row without one is new (a NULL key never conflicts).
    const ups = (D: Ctor) => [make(D, { id: 1, name: "Rex II" }), make(D, { name: "Newbie", barks: null }), make(D, { name: "Other" })];
    const bulkUps = ups(DogB);
    const result = await bulkUpsert(h.ds.manager, bulkUps, { conflictColumns: ["id"] });
    expect([result.created, result.updated]).toEqual([2, 1]);
    const saveUps = await Promise.all(ups(DogS).map(async (d) => (d.id ? merge(await repo(DogS).findOneByOrFail({ id: d.id }), d) : d)));
    await repo(DogS).save(saveUps);
    await expectTwins(h, [DogB, DogS], bulkUps, saveUps);
  });

  test("one bulk write takes one class: a mix of children is refused with a clear error", async () => {
    const { Dog, Cat } = AnimalsBulk;
    await expect(bulkInsert(h.ds.manager, [make(Dog, { name: "a" }), make(Cat, { name: "b" })])).rejects.toThrow(
      /all rows of one bulk write must be Dog entities; got Cat/,
    );
  });
});

describe("ManyToOne relations", () => {
  test("a foreign key given as a relation object, as an id, or null is written like save() writes it", async () => {
    const [o1, o2] = await repo(Owner).save([make(Owner, { name: "Ann" }), make(Owner, { name: "Bob" })]);
    const values = () => [
      { name: "by object", owner: { ...o1 } as Owner, vet: { ...o2 } as Owner },
      { name: "by id", ownerId: o2.id },
      { name: "none", owner: null, vet: null },
    ];
    const bulk = values().map((v) => make(PetBulk, v));
    const save = values().map((v) => make(PetSave, v));
    await bulkInsert(h.ds.manager, bulk);
    await repo(PetSave).save(save);
    await expectTwins(h, [PetBulk, PetSave], bulk, save);
    expect(await h.ds.query(`SELECT owner_id, vet_id FROM pet_bulk ORDER BY id`)).toEqual([
      { owner_id: o1.id, vet_id: o2.id },
      { owner_id: o2.id, vet_id: null },
      { owner_id: null, vet_id: null },
    ]);

    // Loaded as the runner loads (relations not joined): the script sets a relation object, an id column, or an id map.
    const loaded = await repo(PetBulk).find({ order: { id: "ASC" } });
    loaded.forEach((e) => rememberLoaded(h.ds.getMetadata(PetBulk), e));
    const loadedS = await repo(PetSave).find({ order: { id: "ASC" } });
    const mutate = (rows: ObjectLiteral[]) => {
      rows[0].owner = { ...o2 }; // relation object
      rows[0].vet = null;
      rows[1].ownerId = o1.id; // the explicit id column
      rows[2].vet = { id: o1.id }; // an id map
    };
    mutate(loaded);
    mutate(loadedS);
    const result = await bulkUpdate(h.ds.manager, loaded);
    expect(result.updated).toBe(3);
    await repo(PetSave).save(loadedS);
    await expectTwins(h, [PetBulk, PetSave], loaded, loadedS);
    const expected = [
      { owner_id: o2.id, vet_id: null },
      { owner_id: o1.id, vet_id: null },
      { owner_id: null, vet_id: o1.id },
    ];
    expect(await h.ds.query(`SELECT owner_id, vet_id FROM pet_bulk ORDER BY id`)).toEqual(expected);
    expect(await h.ds.query(`SELECT owner_id, vet_id FROM pet_save ORDER BY id`)).toEqual(expected);

    // Standalone (no snapshot): the before state is selected with relation ids, as save() loads it.
    const standalone = (P: Ctor) => [make(P, { id: 1, vet: { ...o1 } }), make(P, { id: 2, owner: null }), make(P, { id: 3, vet: { id: o1.id } })];
    const bulkUpd = standalone(PetBulk);
    const saveUpd = standalone(PetSave);
    expect((await bulkUpdate(h.ds.manager, bulkUpd)).updated).toBe(2); // row 3 already has that vet
    await repo(PetSave).save(saveUpd);
    await expectTwins(h, [PetBulk, PetSave], bulkUpd, saveUpd);
    expect(await h.ds.query(`SELECT owner_id, vet_id FROM pet_bulk ORDER BY id`)).toEqual([
      { owner_id: o2.id, vet_id: o1.id },
      { owner_id: null, vet_id: null },
      { owner_id: null, vet_id: o1.id },
    ]);
  });
});

describe("a ManyToOne to a row not saved yet", () => {
  test("is refused with a clear error by all three writers, instead of writing NULL", async () => {
    const [owner] = await repo(Owner).save([make(Owner, { name: "Ann" })]);
    const unsaved = () => make(Owner, { name: "not saved" });
    const message = /Pet\.owner is set to a Owner without its key .* it does not cascade: save the related row first/;
    await expect(bulkInsert(h.ds.manager, [make(PetBulk, { name: "p", owner: unsaved() })])).rejects.toThrow(message);
    const [pet] = await repo(PetBulk).save([make(PetBulk, { name: "p", owner })]);
    await expect(bulkUpdate(h.ds.manager, [make(PetBulk, { id: pet.id, owner: unsaved() })])).rejects.toThrow(message);
    await expect(bulkUpsert(h.ds.manager, [make(PetBulk, { id: pet.id, owner: unsaved() })], { conflictColumns: ["id"] })).rejects.toThrow(message);
    await expect(bulkUpsert(h.ds.manager, [make(PetBulk, { name: "new", owner: unsaved() })], { conflictColumns: ["id"] })).rejects.toThrow(message);
    expect(await h.ds.query(`SELECT id, owner_id FROM pet_bulk`)).toEqual([{ id: pet.id, owner_id: owner.id }]);
    expect(await repo(Owner).count()).toBe(1);
  });
});

describe("to-many collections", () => {
  test("bulkUpdate refuses a changed ManyToMany or OneToMany collection with a clear error, and writes nothing", async () => {
    const badge = await repo(Badge).save(make(Badge, { label: "good" }));
    const pet = await repo(PetBulk).save(make(PetBulk, { name: "p" }));
    const loaded = await repo(PetBulk).findOneOrFail({ where: { id: pet.id }, relations: { badges: true } });
    rememberLoaded(h.ds.getMetadata(PetBulk), loaded);
    loaded.name = "changed";
    loaded.badges = [badge];
    await expect(bulkUpdate(h.ds.manager, [loaded])).rejects.toThrow(BulkWriteError);
    await expect(bulkUpdate(h.ds.manager, [loaded])).rejects.toThrow(/Pet\.badges is a many-to-many collection; the bulk writer does not write collections \(row 1\)/);
    expect((await repo(PetBulk).findOneByOrFail({ id: pet.id })).name).toBe("p");

    const litter = await repo(Litter).save(make(Litter, { name: "l" }));
    const kitten = await repo(Kitten).save(make(Kitten, { name: "k" }));
    const standalone = make(Litter, { id: litter.id, kittens: [kitten] });
    await expect(bulkUpdate(h.ds.manager, [standalone])).rejects.toThrow(/Litter\.kittens is a one-to-many collection/);
  });

  test("bulkInsert and bulkUpsert refuse a non-empty collection instead of dropping it", async () => {
    const badge = await repo(Badge).save(make(Badge, { label: "good" }));
    await expect(bulkInsert(h.ds.manager, [make(PetBulk, { name: "p", badges: [badge] })])).rejects.toThrow(/Pet\.badges/);
    const kitten = await repo(Kitten).save(make(Kitten, { name: "k" }));
    await expect(bulkInsert(h.ds.manager, [make(Litter, { name: "l", kittens: [kitten] })])).rejects.toThrow(/Litter\.kittens/);
    await expect(bulkUpsert(h.ds.manager, [make(PetBulk, { id: 1, name: "p", badges: [badge] })], { conflictColumns: ["id"] })).rejects.toThrow(
      /Pet\.badges/,
    );
    expect(await repo(PetBulk).count()).toBe(0);
    // An empty collection (what repository.create() gives) is not a change.
    await bulkInsert(h.ds.manager, [make(PetBulk, { name: "p", badges: [] })]);
    expect(await repo(PetBulk).count()).toBe(1);
  });
});
