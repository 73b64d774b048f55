import { Column, DataSource, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from "typeorm";
import { Subject } from "typeorm/persistence/Subject";
import { SubjectChangedColumnsComputer } from "typeorm/persistence/SubjectChangedColumnsComputer";
import { scalarDiff } from "../../src/bulk/fast-diff";
import { createTestDatabase, type TestDatabase } from "../support/database";

@Entity("fd_scalar")
class Scalar {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
  @Column({ type: "int", nullable: true }) n: number | null;
  @Column({ type: "bigint" }) big: string;
  @Column({ type: "numeric", precision: 10, scale: 2 }) price: string;
  @Column() flag: boolean;
  @Column({ type: "timestamptz", nullable: true }) at: Date | null;
  @UpdateDateColumn() updatedAt: Date;
  @VersionColumn() version: number;
}

@Entity("fd_json")
class WithJson {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: "jsonb" }) data: object;
}

/** The scalar fast path must agree with TypeORM's SubjectChangedColumnsComputer on every row it decides. */
describe("scalarDiff vs SubjectChangedColumnsComputer", () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase("fastdiff");
    ds = new DataSource({ type: "postgres", url: db.url, entities: [Scalar, WithJson] });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const slow = (entity: object, databaseEntity: object, target: Function) => {
    const subject = new Subject({ metadata: ds.getMetadata(target), entity, canBeUpdated: true });
    subject.databaseEntity = databaseEntity;
    subject.databaseEntityLoaded = true;
    new SubjectChangedColumnsComputer().compute([subject]);
    return subject.diffColumns.map((c) => c.propertyName);
  };

  test("agrees on 2,000 random edits of a scalar entity", () => {
    const metadata = ds.getMetadata(Scalar);
    const base = () =>
      Object.assign(new Scalar(), {
        id: 1,
        name: "ann",
        n: 5,
        big: "9007199254740993",
        price: "10.50",
        flag: true,
        at: new Date("2024-01-01T00:00:00.123Z"),
        updatedAt: new Date("2024-02-02T10:00:00Z"),
        version: 3,
      });
    const edits: ((e: Scalar) => void)[] = [
      (e) => (e.name = "ANN"),
      (e) => (e.name = "ann"),
      (e) => (e.n = null),
      (e) => (e.n = 6),
      (e) => (e.big = "9007199254740994"),
      (e) => (e.price = "10.5"), // a different text is a change for save() too
      (e) => (e.flag = false),
      (e) => (e.at = new Date("2024-01-01T00:00:00.123Z")), // same instant, new object: unchanged
      (e) => (e.at = new Date("2024-01-01T00:00:00.124Z")),
      (e) => (e.at = null),
      (e) => ((e as { name?: string }).name = undefined),
      (e) => (e.version = 4),
    ];
    let decided = 0;
    for (let i = 0; i < 2_000; i++) {
      const before = base();
      const after = base();
      for (const edit of edits) if (Math.random() < 0.3) edit(after);
      const fast = scalarDiff(metadata, after, before);
      expect(fast).not.toBe("slow");
      if (fast === "slow") continue;
      decided++;
      expect(fast.map((c) => c.propertyName)).toEqual(slow(after, before, Scalar));
    }
    expect(decided).toBe(2_000);
  });

  test("leaves json entities and odd values to TypeORM's computer", () => {
    const json = Object.assign(new WithJson(), { id: 1, data: { a: 1 } });
    expect(scalarDiff(ds.getMetadata(WithJson), json, json)).toBe("slow");
    const a = Object.assign(new Scalar(), { id: 1, at: "2024-01-01" });
    const b = Object.assign(new Scalar(), { id: 1, at: new Date() });
    expect(scalarDiff(ds.getMetadata(Scalar), a, b)).toBe("slow");
  });
});
