/**
 * Bulk writers vs repository.save(), column type by column type.
 *
 * Each test writes the same entities twice — with a bulk writer to
 * `types_bulk` and with save() to its twin `types_save` — asserts the one
 * bulk statement's SQL, then compares the entity objects afterwards, every
 * stored column as PostgreSQL prints it, and the events both received.
 *
 * save() behaviours the bulk writers deliberately do not match (each covered by a test in test/bulk/):
 * - Version conflicts: save() has no optimistic check on update. bulkUpdate only writes rows whose
 *   @VersionColumn is still the loaded one and returns the others in `conflicts` (the runner's contract);
 *   such a row got beforeUpdate but no afterUpdate. A standalone entity that carries an older version
 *   than the row's is a conflict too, where save() would write it and set the version back.
 * - Explicit value for a serial/increment primary key: save() leaves it out of the INSERT and takes the
 *   sequence's next value; the bulk writers write the given key (an upsert by primary key needs it).
 * - Upsert race: a row another transaction creates between bulkUpsert's SELECT and its INSERT … ON CONFLICT
 *   becomes an update (save() would fail with a unique violation). That row got beforeInsert, then
 *   afterUpdate with databaseEntity undefined and every written column in updatedColumns: its previous
 *   state was never visible to us. A column that row left unset, while other rows of the call set it,
 *   is written with its default (the statement's per-row "use the default" flag cannot reach DO UPDATE).
 * - Upsert of an existing row writes every column (unset ones with their current, locked values), so
 *   `UPDATE OF col` triggers see all columns; save() updates only the changed ones.
 * - Upsert: a row whose conflict key has a NULL part is always inserted (NULLs never conflict).
 * - One entity class per call: save(array) takes a mix (e.g. two single-table-inheritance children);
 *   the bulk writers refuse it with BulkWriteError.
 * - The same primary / conflict key twice in one call: save() writes both (last wins); refused here.
 * - To-many collections (ManyToMany, OneToMany): save() writes junction / child rows; a changed (update)
 *   or non-empty (insert) collection is refused with BulkWriteError. A ManyToOne set to an unsaved entity
 *   (no key): save() cascades or fails obscurely; refused here with a clear message. Changing a primary
 *   key: refused.
 * - afterUpdate's updatedRelations: save() lists a changed relation twice (its recompute after the
 *   before-events appends again); the bulk writers list it once. Tests compare the sets.
 * - Async listeners: save() starts every row's before/after listeners at once (Promise.all); the bulk
 *   writers await each row's before the next row's, so per-row subscribers never run concurrent queries
 *   on the transaction's one connection.
 */
import { In, type ObjectLiteral } from "typeorm";
import { bulkInsert, bulkUpdate, bulkUpsert, rememberLoaded } from "typeorm-data-script";
import { TypesBulk, TypesSave } from "../fixtures/bulk/entities";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { normalise, openDataSource, rowsAsText, snapshot, type Harness, type LoggedQuery } from "./harness";
import { cloneValue, typeCases, type TypeCase } from "./type-cases";

let db: TestDatabase;
let h: Harness;

beforeAll(async () => {
  db = await createTestDatabase("bulk_parity");
  h = await openDataSource(db, [TypesBulk, TypesSave]);
});
afterAll(async () => {
  await h?.ds.destroy();
  await db?.drop();
});

type Row = Record<string, unknown>;
type Ctor = new () => ObjectLiteral;

async function reset() {
  await h.ds.query(`TRUNCATE "types_bulk", "types_save" RESTART IDENTITY`);
  h.events.events = [];
  h.log.clear();
}

function make(target: Ctor, row: Row): ObjectLiteral {
  const e = new target();
  for (const [k, v] of Object.entries(row)) if (v !== undefined) e[k] = cloneValue(v);
  return e;
}

const snap = (target: Ctor) => (e: ObjectLiteral) => snapshot(h.ds.getMetadata(target), e);

/** Entities, stored rows and events of the bulk twin equal save()'s. */
async function expectParity(bulk: ObjectLiteral[], save: ObjectLiteral[]) {
  expect(bulk.map(snap(TypesBulk))).toEqual(save.map(snap(TypesSave)));
  expect(await rowsAsText(h.ds, TypesBulk)).toEqual(await rowsAsText(h.ds, TypesSave));
  const bulkEvents = h.events.take("bulk");
  const saveEvents = h.events.take("save");
  expect(bulkEvents).toEqual(saveEvents);
  for (const e of bulkEvents) {
    expect(e.inTransaction).toBe(true);
    if (e.kind.endsWith("Update")) expect(e.databaseEntity).toBeDefined();
  }
  return bulkEvents;
}

/** The statement binds exactly one array per column, and no value text appears in the SQL. */
function expectBound(write: LoggedQuery, values: unknown[]) {
  const placeholders = [...write.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  expect(Math.max(...placeholders)).toBe(write.params!.length);
  for (const v of values) {
    if (typeof v === "string" && v.length > 3) expect(write.sql).not.toContain(v);
  }
}

const read = (c: TypeCase) => c.read ?? `v."${c.column}"`;

describe.each(typeCases)("$prop ($paramType)", (c) => {
  beforeEach(reset);

  test("bulkInsert: one statement, same rows, entities and events as save()", async () => {
    // One row per value, plus one that leaves the column unset (the database default applies).
    const rows: Row[] = [...c.values.map((v, i) => ({ key: `k${i}`, [c.prop]: v })), { key: "unset" }];
    const bulk = rows.map((r) => make(TypesBulk, r));
    const save = rows.map((r) => make(TypesSave, r));

    const result = await bulkInsert(h.ds.manager, bulk);
    expect(result).toEqual({ inserted: rows.length });
    const writes = h.log.writesTo("types_bulk");
    expect(writes).toHaveLength(1);
    // The unset row takes the column's default through a per-row flag (an explicit null stays null).
    const [value, flagArg, flagAlias] = c.fallback
      ? [`CASE WHEN v."__default_1" THEN ${c.fallback} ELSE ${read(c)} END`, ", $3::boolean[]", ', "__default_1"']
      : [read(c), "", ""];
    expect(writes[0].sql).toBe(
      `INSERT INTO "types_bulk" AS t ("key", "${c.column}") SELECT v."key", ${value} ` +
        `FROM unnest($1::character varying[], $2::${c.paramType}${flagArg}) WITH ORDINALITY AS v("key", "${c.column}"${flagAlias}, "__ord") ` +
        `ORDER BY v."__ord" RETURNING t."id", t."dflt", t."score"`,
    );
    expectBound(writes[0], c.values);

    await h.ds.getRepository(TypesSave).save(save);
    const events = await expectParity(bulk, save);
    expect(events.map((e) => e.kind)).toEqual([...rows.map(() => "beforeInsert"), ...rows.map(() => "afterInsert")]);

    // Round trip: what comes back from the database is what was written.
    const loaded = await h.ds.getRepository(TypesBulk).find({ order: { id: "ASC" } });
    expect(loaded.slice(0, c.values.length).map((e) => normalise((e as ObjectLiteral)[c.prop]))).toEqual(c.values.map(normalise));
  });

  for (const mode of ["snapshots", "standalone"] as const) {
    test(`bulkUpdate (${mode}): every transition, only the changed column, same as save()`, async () => {
      // Every ordered pair of distinct values, plus each value re-assigned as an equal copy (no change).
      const pairs: [unknown, unknown][] = [];
      for (const from of c.values) for (const to of c.values) pairs.push([from, to]);
      const seed = pairs.map(([from], i) => ({ key: `k${i}`, [c.prop]: from }));
      await h.ds.getRepository(TypesBulk).save(seed.map((r) => make(TypesBulk, r)));
      await h.ds.getRepository(TypesSave).save(seed.map((r) => make(TypesSave, r)));
      h.events.events = [];
      h.log.clear();

      let bulk: ObjectLiteral[];
      let save: ObjectLiteral[];
      if (mode === "snapshots") {
        // As the runner does: load, remember, mutate in place.
        bulk = await h.ds.getRepository(TypesBulk).find({ order: { id: "ASC" } });
        save = await h.ds.getRepository(TypesSave).find({ order: { id: "ASC" } });
        const metadata = h.ds.getMetadata(TypesBulk);
        bulk.forEach((e) => rememberLoaded(metadata, e));
        pairs.forEach(([, to], i) => {
          bulk[i][c.prop] = cloneValue(to);
          save[i][c.prop] = cloneValue(to);
        });
      } else {
        // Standalone: entities that carry only their key and the new value.
        bulk = pairs.map(([, to], i) => make(TypesBulk, { id: i + 1, [c.prop]: to }));
        save = pairs.map(([, to], i) => make(TypesSave, { id: i + 1, [c.prop]: to }));
      }
      h.log.clear();
      const result = await bulkUpdate(h.ds.manager, bulk);
      const changed = pairs.filter(([from, to]) => JSON.stringify(normalise(from)) !== JSON.stringify(normalise(to))).length;
      expect(result.updated).toBe(changed);
      expect(result.conflicts).toEqual([]);
      for (const change of result.changes) expect(change.updatedColumns.map((col) => col.propertyPath)).toEqual([c.prop]);

      const writes = h.log.writesTo("types_bulk");
      expect(writes).toHaveLength(1);
      expect(writes[0].sql).toBe(
        `UPDATE "types_bulk" AS t SET "${c.column}" = ${read(c)} ` +
          `FROM unnest($1::integer[], $2::${c.paramType}) AS v("id", "${c.column}") ` +
          `WHERE t."id" = v."id" AND t."id" BETWEEN $3::integer AND $4::integer RETURNING t."id"`,
      );
      expectBound(writes[0], c.values);
      expect((writes[0].params![0] as unknown[]).length).toBe(changed);
      if (mode === "standalone") {
        // The before state came from one SELECT … = ANY(…) in the transaction.
        const selects = h.log.queries.filter((q) => q.sql.startsWith("SELECT") && q.sql.includes(`"types_bulk"`));
        expect(selects).toHaveLength(1);
        expect(selects[0].sql).toContain("= ANY(CAST($1 AS integer[]))");
      }

      await h.ds.getRepository(TypesSave).save(save);
      const events = await expectParity(bulk, save);
      expect(events.filter((e) => e.kind === "afterUpdate")).toHaveLength(changed);

      const loaded = await h.ds.getRepository(TypesBulk).find({ order: { id: "ASC" } });
      expect(loaded.map((e) => normalise((e as ObjectLiteral)[c.prop]))).toEqual(pairs.map(([, to]) => normalise(to)));
    });
  }

  test("bulkUpsert: existing rows become updates, new rows inserts, same as save()", async () => {
    // Existing rows: every (from, to) pair by key; new rows: one per value; plus an existing row the input leaves unset.
    const pairs: [unknown, unknown][] = [];
    for (const from of c.values) for (const to of c.values) pairs.push([from, to]);
    const seed = [...pairs.map(([from], i) => ({ key: `old${i}`, [c.prop]: from })), { key: "untouched", [c.prop]: c.values[0] }];
    await h.ds.getRepository(TypesBulk).save(seed.map((r) => make(TypesBulk, r)));
    await h.ds.getRepository(TypesSave).save(seed.map((r) => make(TypesSave, r)));
    h.events.events = [];

    const inputs: Row[] = [
      ...pairs.map(([, to], i) => ({ key: `old${i}`, [c.prop]: to })),
      ...c.values.map((v, i) => ({ key: `new${i}`, [c.prop]: v })),
      { key: "untouched" },
    ];
    const bulk = inputs.map((r) => make(TypesBulk, r));
    h.log.clear();
    const result = await bulkUpsert(h.ds.manager, bulk, { conflictColumns: ["key"] });

    // save() twin, the update_or_create way: load by key, merge the input into what exists, save all.
    const existing = await h.ds.getRepository(TypesSave).findBy({ key: In(inputs.map((r) => r.key)) });
    const byKey = new Map(existing.map((e) => [e.key, e]));
    const save = inputs.map((r) => {
      const found = byKey.get(r.key as string);
      if (!found) return make(TypesSave, r);
      for (const [k, v] of Object.entries(r)) (found as ObjectLiteral)[k] = cloneValue(v);
      return found;
    });
    await h.ds.getRepository(TypesSave).save(save);

    const changed = pairs.filter(([from, to]) => JSON.stringify(normalise(from)) !== JSON.stringify(normalise(to))).length;
    expect(result.created).toBe(c.values.length);
    expect(result.updated).toBe(changed);
    expect(result.unchanged).toBe(inputs.length - c.values.length - changed);

    const writes = h.log.writesTo("types_bulk");
    expect(writes).toHaveLength(1);
    const sql = writes[0].sql;
    expect(sql).toMatch(/^INSERT INTO "types_bulk" AS t \(/);
    expect(sql).toContain(`::${c.paramType}`);
    expect(sql).toContain(`ON CONFLICT ("key") DO UPDATE SET `);
    expect(sql).toContain(`"${c.column}" = EXCLUDED."${c.column}"`);
    expect(sql).toMatch(/RETURNING .*, \(t\.xmax = 0\) AS "__inserted"$/);
    expectBound(writes[0], c.values);

    await expectParity(bulk, save);
  });
});
