/**
 * Differential tests of the compiled per-entity row code (src/bulk/compiled/)
 * against TypeORM's general path, on random rows of every column type the bulk
 * writers support (NULLs, dates, numeric strings, json, arrays, enums, bytea,
 * reflected constructor types), on whichever TypeORM line is installed:
 * hydration vs getMany(), the differ vs SubjectChangedColumnsComputer, the
 * snapshot, the update and insert parameters vs the codecs' own encoding, the
 * returned values vs prepareHydratedValue; and round trips of random edits
 * and inserts through the bulk writers vs save() on twin tables.
 */
import { AfterLoad, Column, DataSource, Entity, EventSubscriber, PrimaryGeneratedColumn, type EntitySubscriberInterface, type ObjectLiteral, type QueryRunner } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { Subject } from "typeorm/persistence/Subject";
import { SubjectChangedColumnsComputer } from "typeorm/persistence/SubjectChangedColumnsComputer";
import { RawSqlResultsToEntityTransformer } from "typeorm/query-builder/transformer/RawSqlResultsToEntityTransformer";
import { bulkInsert, bulkUpdate, rememberLoaded } from "typeorm-data-script";
import { arrayLiteral } from "../../src/bulk/array-literal";
import { computeChange, type RowChange } from "../../src/bulk/change-set";
import { codecFor, quotedTable } from "../../src/bulk/column-codec";
import { readerFor } from "../../src/bulk/column-value";
import { adoptUnsetFor } from "../../src/bulk/compiled/adopt-unset";
import { differFor, UNDECIDED } from "../../src/bulk/compiled/differ";
import { idMapFor } from "../../src/bulk/compiled/id-map";
import { definedCountsFor, insertParamsFor } from "../../src/bulk/compiled/insert-params";
import { applyReturnedFor, setMissingNullablesFor } from "../../src/bulk/compiled/returned-values";
import { snapshotterFor } from "../../src/bulk/compiled/snapshotter";
import { updateParamsFor } from "../../src/bulk/compiled/update-params";
import { planInsert } from "../../src/bulk/insert-columns";
import { getEntities } from "../../src/bulk/load-entities";
import { buildInsert, buildUpdate } from "../../src/bulk/sql";
import { EveryTypeBulk, EveryTypeSave, Level, Mood, WithEmbedded, WithTransformer, type EveryType } from "../fixtures/bulk/every-type";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { rowsAsText } from "./harness";

// ---------------------------------------------------------------------------
// Random values (seeded: a failure prints its seed; SEED=… replays it)

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
let state = seed;
function random(): number {
  // mulberry32
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
const chance = (p: number) => random() < p;

const PIECES = ["a", "Z", "0", " ", ",", '"', "'", "\\", "{", "}", "(", ")", "NULL", "é", "☃", "\t", "\n", "x y", "ab"];
function text(max = 12): string {
  let out = "";
  for (let i = int(0, max); i > 0; i--) out += pick(PIECES);
  return out;
}
const plainText = (max = 8) => Array.from({ length: int(1, max) }, () => pick(["a", "b", "Q", "7", "_", "-", "é"])).join("");
const date = () => new Date(int(Date.UTC(1950, 0, 1), Date.UTC(2090, 0, 1)));
const uuid = () => "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, () => int(0, 15).toString(16));
const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const day = () => `${int(1900, 2100)}-${pad(int(1, 12))}-${pad(int(1, 28))}`;
const clock = () => `${pad(int(0, 23))}:${pad(int(0, 59))}:${pad(int(0, 59))}`;
function json(depth = 0): unknown {
  const kind = int(0, depth > 2 ? 3 : 5);
  if (kind === 0) return text(6);
  if (kind === 1) return int(-1000, 1000) / pick([1, 4, 100]);
  if (kind === 2) return chance(0.5);
  if (kind === 3) return null;
  if (kind === 4) return Array.from({ length: int(0, 3) }, () => json(depth + 1));
  return Object.fromEntries(Array.from({ length: int(0, 3) }, () => [plainText(4), json(depth + 1)]));
}
const jsonTop = () => (chance(0.8) ? { [plainText(3)]: json(1), n: int(0, 9) } : [json(1), json(1)]);
const numeric = () => `${chance(0.5) ? "-" : ""}${int(0, 99999999)}.${pad(int(0, 9999999999), 10)}`;

/** A value the column accepts, as an app would set it. */
const VALID: Record<string, () => unknown> = {
  int: () => int(-2147483648, 2147483647),
  small: () => int(-32768, 32767),
  big: () => String(BigInt(int(-1e9, 1e9)) * 1_000_000_007n),
  num: numeric,
  dbl: () => int(-1e6, 1e6) / 64,
  real: () => int(-1000, 1000) / 8,
  flag: () => chance(0.5),
  ctorFlag: () => chance(0.5),
  ctorNumber: () => int(-1e6, 1e6),
  ctorText: () => text(),
  ctorDate: date,
  short: () => text(10),
  body: () => text(30),
  code: () => plainText(3).padEnd(3, "x").slice(0, 3),
  ref: uuid,
  atz: date,
  at: date,
  day,
  clock,
  doc: jsonTop,
  docb: jsonTop,
  mood: () => pick(Object.values(Mood)),
  level: () => pick([Level.Low, Level.High]),
  smood: () => pick(Object.values(Mood)),
  tags: () => Array.from({ length: int(1, 3) }, () => plainText(5)),
  meta: jsonTop,
  labels: () => Array.from({ length: int(0, 3) }, () => text(6)),
  nums: () => Array.from({ length: int(0, 4) }, () => int(-1000, 1000)),
  blob: () => Buffer.from(Array.from({ length: int(0, 8) }, () => int(0, 255))),
  mixed: () => text(),
};
const NULLABLE = Object.keys(VALID);

function validRow(): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const prop of NULLABLE) row[prop] = chance(0.15) ? null : VALID[prop]();
  return row;
}

/** Values an app may also leave in an entity: another type's, a string for a date, a copy of the same value. */
function oddValue(prop: string, current: unknown): unknown {
  switch (int(0, 6)) {
    case 0:
      return copyOf(current); // the same value, a new object
    case 1:
      return typeof current === "number" ? String(current) : typeof current === "string" && /^-?\d+$/.test(current) ? Number(current) : current;
    case 2:
      return current instanceof Date ? current.toISOString() : current;
    case 3:
      return current instanceof Date ? new Date(NaN) : VALID[prop]();
    case 4:
      return Array.isArray(current) ? [...current].reverse() : current;
    case 5:
      return chance(0.5) ? 1 : true;
    default:
      return VALID[pick(NULLABLE)]();
  }
}

function copyOf<V>(value: V): V {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime()) as V;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as V;
  if (Array.isArray(value)) return value.map(copyOf) as V;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyOf(v)])) as V;
}

// ---------------------------------------------------------------------------

@Entity("loaded_listened")
class Listened {
  @PrimaryGeneratedColumn()
  id: number;
  @Column({ type: "text" })
  name: string;
  seen = 0;
  @AfterLoad()
  loaded() {
    this.seen++;
  }
}

const loads: unknown[] = [];
@EventSubscriber()
class LoadRecorder implements EntitySubscriberInterface<Listened> {
  listenTo() {
    return Listened;
  }
  afterLoad(entity: Listened) {
    loads.push(entity);
  }
}

let db: TestDatabase;
let ds: DataSource;
let qr: QueryRunner;
const meta = () => ds.getMetadata(EveryTypeBulk);

beforeAll(async () => {
  db = await createTestDatabase("compiled_rows");
  ds = new DataSource({
    type: "postgres",
    url: db.url,
    entities: [EveryTypeBulk, EveryTypeSave, WithTransformer, WithEmbedded, Listened],
    subscribers: [LoadRecorder],
    synchronize: true,
  });
  await ds.initialize();
  qr = ds.createQueryRunner();
  await qr.connect();
});
afterAll(async () => {
  await qr?.release();
  await ds?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await ds.query(`TRUNCATE every_type_bulk, every_type_save, with_transformer, with_embedded, loaded_listened RESTART IDENTITY`);
});
afterEach(() => {
  if (expect.getState().assertionCalls !== expect.getState().numPassingAsserts) console.log(`random seed: SEED=${seed}`);
});

/** Rows written by TypeORM itself (repository.insert), in both twins. */
async function seedRows(count: number): Promise<void> {
  const rows = Array.from({ length: count }, validRow);
  for (const target of [EveryTypeBulk, EveryTypeSave]) {
    for (let i = 0; i < rows.length; i += 100) await ds.getRepository<ObjectLiteral>(target).insert(rows.slice(i, i + 100).map((r) => Object.assign(new target(), copyOf(r))));
  }
}

const loadByTypeORM = (target: Function) => ds.manager.createQueryBuilder(target, "row").orderBy("row.id").getMany();
const loadCompiled = (target: Function) => getEntities(qr.manager.createQueryBuilder(target, "row").orderBy("row.id"));

/** What save() computes for one row: SubjectChangedColumnsComputer on a Subject. */
function typeormDiff(entity: ObjectLiteral, databaseEntity: ObjectLiteral, target: Function = EveryTypeBulk): string[] {
  const subject = new Subject({ metadata: ds.getMetadata(target), entity, canBeUpdated: true });
  subject.databaseEntity = databaseEntity;
  subject.databaseEntityLoaded = true;
  new SubjectChangedColumnsComputer().compute([subject]);
  return subject.diffColumns.map((c) => c.propertyPath);
}

function outcome(f: () => string[] | typeof UNDECIDED): string[] | typeof UNDECIDED | { threw: string } {
  try {
    return f();
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

describe("hydration", () => {
  test("getEntities builds, by the compiled hydrator, exactly the entities getMany() builds", async () => {
    await seedRows(300);
    const transform = jest.spyOn(RawSqlResultsToEntityTransformer.prototype, "transform");
    const compiled = await loadCompiled(EveryTypeBulk);
    expect(transform).not.toHaveBeenCalled();
    transform.mockRestore();
    const general = await loadByTypeORM(EveryTypeBulk);
    expect(compiled).toHaveLength(300);
    expect(compiled).toStrictEqual(general);
  });

  test("transformers and embedded columns hydrate as TypeORM hydrates them", async () => {
    await ds.getRepository(WithTransformer).insert([{ shout: "Loud" }, { shout: null, n: 3 }, { n: -1 }]);
    await ds.getRepository(WithEmbedded).insert([{ address: { street: "Main", zip: 1 }, at: date() }, { address: { street: null, zip: null } }]);
    for (const target of [WithTransformer, WithEmbedded]) expect(await loadCompiled(target)).toStrictEqual(await loadByTypeORM(target));
  });

  test("afterLoad listeners and subscribers fire on the compiled path as on getMany()", async () => {
    await ds.getRepository(Listened).insert([{ name: "a" }, { name: "b" }]);
    loads.length = 0;
    const compiled = await loadCompiled(Listened);
    expect(compiled.map((e) => e.seen)).toEqual([1, 1]);
    expect(loads).toHaveLength(2);
    expect(compiled).toStrictEqual(await loadByTypeORM(Listened));
  });

  test("a query that joins or selects more is left to getMany()", async () => {
    await seedRows(3);
    const transform = jest.spyOn(RawSqlResultsToEntityTransformer.prototype, "transform");
    const selected = await getEntities(qr.manager.createQueryBuilder(EveryTypeBulk, "row").addSelect("row.id + 1", "next").orderBy("row.id"));
    expect(transform).toHaveBeenCalled();
    transform.mockRestore();
    expect(selected).toStrictEqual(await loadByTypeORM(EveryTypeBulk));
  });
});

describe("the differ", () => {
  test("decides random edits of every column type as SubjectChangedColumnsComputer does", async () => {
    await seedRows(50);
    const loaded = await loadCompiled(EveryTypeBulk);
    const snapshot = snapshotterFor(meta());
    const differ = differFor(meta())!;
    expect(differ).not.toBeNull();
    let decided = 0;
    const rounds = 4_000;
    for (let i = 0; i < rounds; i++) {
      const before = snapshot(pick(loaded));
      const after = snapshot(before);
      for (const prop of NULLABLE) {
        if (!chance(0.15)) continue;
        const r = random();
        (after as ObjectLiteral)[prop] = r < 0.3 ? VALID[prop]() : r < 0.45 ? null : r < 0.55 ? undefined : oddValue(prop, (before as ObjectLiteral)[prop]);
      }
      const compiled = outcome(() => {
        const columns = differ(after, before);
        return columns === UNDECIDED ? UNDECIDED : columns.map((c) => c.propertyPath);
      });
      if (compiled === UNDECIDED) continue;
      decided++;
      expect(compiled).toEqual(outcome(() => typeormDiff(after, before)));
    }
    // Undecided rows (a string or an invalid Date in a timestamp column) go to TypeORM's computer: a few only.
    expect(decided).toBeGreaterThan(rounds * 0.8);
  });

  test("a second diff with the first one's columns returns that same array when nothing else changed", () => {
    const e = Object.assign(new EveryTypeBulk(), { id: 1, int: 1, body: "x" });
    const before = snapshotterFor(meta())(e);
    e.body = "y";
    const first = differFor(meta())!(e, before) as ColumnMetadata[];
    expect(differFor(meta())!(e, before, first)).toBe(first);
    e.int = 2;
    expect((differFor(meta())!(e, before, first) as ColumnMetadata[]).map((c) => c.propertyPath)).toEqual(["int", "body"]);
  });

  test("transformers are left to TypeORM (the two lines apply them differently); embedded columns are compiled", () => {
    expect(differFor(ds.getMetadata(WithTransformer))).toBeNull();
    for (const [now, before] of [["a", "A"], ["a", "a"], ["b", "a"], [null, "a"]]) {
      const t = Object.assign(new WithTransformer(), { id: 1, shout: now, n: 1 });
      const tBefore = Object.assign(new WithTransformer(), { id: 1, shout: before, n: 1 });
      const columns = computeChange(ds.getMetadata(WithTransformer), t, tBefore)?.updatedColumns ?? [];
      expect(columns.map((c) => c.propertyPath)).toEqual(typeormDiff(t, tBefore, WithTransformer));
    }
    const differ = differFor(ds.getMetadata(WithEmbedded))!;
    for (let i = 0; i < 500; i++) {
      const make = () => Object.assign(new WithEmbedded(), { id: 1, address: Object.assign(new (class {})(), { street: pick(["a", "b", null]), zip: pick([1, 2, null]) }), at: pick([new Date(0), new Date(1), null]) });
      const [a, b] = [make(), make()];
      if (chance(0.2)) delete (a as Partial<WithEmbedded>).address;
      const compiled = differ(a, b);
      if (compiled !== UNDECIDED) expect(compiled.map((c) => c.propertyPath)).toEqual(typeormDiff(a, b, WithEmbedded));
    }
  });
});

describe("the snapshot", () => {
  test("is a detached copy of the same class: a mutate that changes a value in place shows as a change", async () => {
    await seedRows(40);
    const snapshot = snapshotterFor(meta());
    for (const entity of await loadCompiled(EveryTypeBulk)) {
      const copy = snapshot(entity);
      expect(copy).toStrictEqual(entity);
      expect(Object.getPrototypeOf(copy)).toBe(Object.getPrototypeOf(entity));
      const changed: string[] = [];
      if (entity.atz) (entity.atz.setTime(entity.atz.getTime() + 1), changed.push("atz"));
      if (entity.docb && typeof entity.docb === "object") (((entity.docb as ObjectLiteral).added = 1), changed.push("docb"));
      if (entity.nums) (entity.nums.push(7), changed.push("nums"));
      if (entity.blob?.length) ((entity.blob[0] ^= 1), changed.push("blob"));
      const columns = differFor(meta())!(entity, copy);
      expect(columns === UNDECIDED ? columns : columns.map((c) => c.propertyPath)).toEqual(typeormDiff(entity, copy));
      expect(typeormDiff(entity, copy)).toEqual(meta().columns.map((c) => c.propertyPath).filter((p) => changed.includes(p)));
    }
  });
});

describe("parameters", () => {
  /** The codecs' own encoding, as the writers built the parameters before they were compiled. */
  function referenceUpdateParams(statement: ReturnType<typeof buildUpdate>, changes: RowChange<ObjectLiteral>[]): string[] {
    return statement.params.map(({ codec, role }) => {
      const read = readerFor(codec.column);
      switch (role) {
        case "key":
          return arrayLiteral(changes.map((c) => codec.encode(read(c.databaseEntity))));
        case "value":
          return arrayLiteral(changes.map((c) => (c.writeColumns.has(codec.column) ? codec.encode(read(c.entity)) : null)));
        case "flag":
          return arrayLiteral(changes.map((c) => c.writeColumns.has(codec.column)));
        default:
          return arrayLiteral(changes.map((c) => read(c.databaseEntity)));
      }
    });
  }

  test("update: the compiled parameters are the codecs' own literals, for random changes of every column", async () => {
    await seedRows(60);
    const loaded = await loadCompiled(EveryTypeBulk);
    const snapshot = snapshotterFor(meta());
    const writable = meta().columns.filter((c) => NULLABLE.includes(c.propertyPath));
    for (let round = 0; round < 40; round++) {
      const changes: RowChange<ObjectLiteral>[] = loaded.map((entity) => {
        const databaseEntity = snapshot(entity);
        const edited = snapshot(entity);
        const written = writable.filter(() => chance(0.3));
        for (const c of written) (edited as ObjectLiteral)[c.propertyPath] = chance(0.2) ? null : VALID[c.propertyPath]();
        return { entity: edited, databaseEntity, updatedColumns: written, updatedRelations: [], writeColumns: new Set(written) };
      });
      const sets = writable.filter((c) => changes.some((ch) => ch.writeColumns.has(c)));
      const statement = buildUpdate({
        table: quotedTable(meta()),
        keys: meta().primaryColumns.map(codecFor),
        sets: sets.map((c) => ({ codec: codecFor(c), partial: changes.some((ch) => !ch.writeColumns.has(c)) })),
        updateDate: codecFor(meta().updateDateColumn!),
        version: codecFor(meta().versionColumn!),
        keyRange: false,
        returning: [],
      });
      expect(updateParamsFor(meta(), statement)(changes)).toEqual(referenceUpdateParams(statement, changes));
    }
  });

  test("insert: the compiled counts and parameters are valueOf's and the codecs' own, with and without existing rows", async () => {
    await seedRows(30);
    const existing = await loadCompiled(EveryTypeBulk);
    const insertable = meta().columns.filter((c) => !c.isVirtualProperty && c.isInsert && c.asExpression === undefined);
    for (let round = 0; round < 40; round++) {
      const entities = Array.from({ length: 30 }, () => {
        const e = new EveryTypeBulk() as ObjectLiteral;
        for (const [k, v] of Object.entries(validRow())) if (chance(0.7)) e[k] = v;
        return e;
      });
      const current = chance(0.5) ? new Map(entities.filter(() => chance(0.5)).map((e) => [e, pick(existing) as ObjectLiteral])) : undefined;
      const valueOf = (column: ColumnMetadata, e: ObjectLiteral) => {
        let v = readerFor(column)(e);
        const ex = current?.get(e);
        if (v === undefined && ex) v = readerFor(column)(ex);
        return column.isVersion && v === undefined ? 1 : v;
      };
      expect(definedCountsFor(meta(), insertable)(entities, current)).toEqual(insertable.map((c) => entities.filter((e) => valueOf(c, e) !== undefined).length));
      const plan = planInsert(meta(), entities, current);
      const statement = buildInsert({ table: quotedTable(meta()), columns: plan.columns, fallbacks: plan.fallbacks, returning: plan.returning });
      const reference = statement.params.map(({ codec, role }) =>
        arrayLiteral(role === "default" ? entities.map((e) => valueOf(codec.column, e) === undefined) : entities.map((e) => codec.encode(valueOf(codec.column, e)))),
      );
      expect(insertParamsFor(meta(), statement)(entities, current)).toEqual(reference);
    }
  });
});

describe("values merged after a write", () => {
  test("returned values are set as prepareHydratedValue sets them; missing nullables become null; unset columns adopt the row's", async () => {
    await seedRows(40);
    const raws: ObjectLiteral[] = await ds.query(`SELECT * FROM every_type_bulk ORDER BY id`);
    const columns = meta().columns;
    const loaded = await loadCompiled(EveryTypeBulk);
    raws.forEach((raw, i) => {
      const compiled = new EveryTypeBulk() as ObjectLiteral;
      const general = new EveryTypeBulk() as ObjectLiteral;
      const some = columns.filter(() => chance(0.6));
      const partial = Object.fromEntries(Object.entries(raw).filter(([k]) => some.some((c) => c.databaseName === k)));
      applyReturnedFor(meta(), columns)(compiled, partial);
      for (const c of columns) if (c.databaseName in partial) c.setEntityValue(general, ds.driver.prepareHydratedValue(partial[c.databaseName], c));
      expect(compiled).toStrictEqual(general);

      setMissingNullablesFor(meta())(compiled);
      for (const c of columns) if (!c.isVirtual && !c.isDeleteDate && c.isNullable && c.getEntityValue(general) === undefined) c.setEntityValue(general, null);
      expect(compiled).toStrictEqual(general);

      const adopted = new EveryTypeBulk() as ObjectLiteral;
      const reference = new EveryTypeBulk() as ObjectLiteral;
      for (const c of columns.filter(() => chance(0.5))) adopted[c.propertyPath] = reference[c.propertyPath] = VALID[c.propertyPath]?.() ?? null;
      adoptUnsetFor(meta())(adopted, loaded[i]);
      for (const c of columns) if (!c.isVirtual && c.getEntityValue(reference) === undefined && c.getEntityValue(loaded[i]) !== undefined) c.setEntityValue(reference, c.getEntityValue(loaded[i]));
      expect(adopted).toStrictEqual(reference);
    });
  });
});

describe("the primary key map", () => {
  test("idMapFor gives getEntityIdMap's object for every kind of key value, on simple and embedded entities", () => {
    for (const target of [EveryTypeBulk, WithEmbedded, WithTransformer]) {
      const metadata = ds.getMetadata(target);
      for (const id of [1, 0, -5, 2 ** 40, "7", "", null, undefined, new Date(0), { nested: 1 }, [1], true]) {
        const entity = Object.assign(new (target as new () => ObjectLiteral)(), { id });
        expect(idMapFor(metadata)(entity)).toStrictEqual(metadata.getEntityIdMap(entity));
      }
    }
  });
});

describe("round trips through the writers vs save()", () => {
  const sameRows = async () => expect(await rowsAsText(ds, EveryTypeBulk)).toEqual(await rowsAsText(ds, EveryTypeSave));

  test("bulkInsert of random rows stores what save() stores", async () => {
    const rows = Array.from({ length: 200 }, () => {
      const row = validRow();
      for (const k of Object.keys(row)) if (chance(0.2)) delete row[k];
      return row;
    });
    await bulkInsert(ds.manager, rows.map((r) => Object.assign(new EveryTypeBulk(), copyOf(r))));
    await ds.getRepository(EveryTypeSave).save(rows.map((r) => Object.assign(new EveryTypeSave(), copyOf(r))));
    await sameRows();
  });

  test("bulkUpdate of random edits stores what save() stores", async () => {
    await seedRows(200);
    const bulk = (await loadCompiled(EveryTypeBulk)) as EveryType[];
    const save = (await loadByTypeORM(EveryTypeSave)) as EveryType[];
    bulk.forEach((e) => rememberLoaded(meta(), e));
    for (let i = 0; i < bulk.length; i++) {
      for (const prop of NULLABLE) {
        if (!chance(0.2)) continue;
        const value = chance(0.15) ? null : VALID[prop]();
        (bulk[i] as ObjectLiteral)[prop] = copyOf(value);
        (save[i] as ObjectLiteral)[prop] = copyOf(value);
      }
    }
    await bulkUpdate(ds.manager, bulk);
    await ds.getRepository(EveryTypeSave).save(save);
    await sameRows();
  });
});
