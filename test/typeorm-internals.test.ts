import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Column, DataSource, Entity, EventSubscriber, PrimaryGeneratedColumn, type EntitySubscriberInterface, type RemoveEvent, type SoftRemoveEvent, type UpdateEvent } from "typeorm";
import { Subject } from "typeorm/persistence/Subject";
import { SubjectChangedColumnsComputer } from "typeorm/persistence/SubjectChangedColumnsComputer";
import { BroadcasterResult } from "typeorm/subscriber/BroadcasterResult";
import { codecFor } from "../src/bulk/column-codec";
import { createTestDatabase, type TestDatabase } from "./support/database";

/**
 * The TypeORM internals the runner relies on, checked here on whichever line
 * is installed (0.3 or 1.x): an upgrade that changes any of them fails this file first.
 */
enum Mood {
  Happy = "happy",
  Sad = "sad",
}

@Entity("pin_people")
class Person {
  @PrimaryGeneratedColumn()
  id: number;
  @Column()
  name: string;
  @Column({ type: "enum", enum: Mood, default: Mood.Happy })
  mood: Mood;
  @Column({ type: "varchar", length: 5, nullable: true })
  code: string | null;
}

const seen: { updatedColumns: string[]; hadDatabaseEntity: boolean }[] = [];
const removals: { kind: string; entity: unknown; databaseEntity: unknown; entityId: unknown }[] = [];
@EventSubscriber()
class Recorder implements EntitySubscriberInterface<Person> {
  listenTo() {
    return Person;
  }
  afterUpdate(event: UpdateEvent<Person>) {
    seen.push({ updatedColumns: event.updatedColumns.map((c) => c.propertyName), hadDatabaseEntity: !!event.databaseEntity });
  }
  beforeRemove(event: RemoveEvent<Person>) {
    removals.push({ kind: "beforeRemove", entity: event.entity, databaseEntity: event.databaseEntity, entityId: event.entityId });
  }
  afterSoftRemove(event: SoftRemoveEvent<Person>) {
    removals.push({ kind: "afterSoftRemove", entity: event.entity, databaseEntity: event.databaseEntity, entityId: event.entityId });
  }
}

describe("TypeORM internals the runner relies on", () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase("pin");
    ds = new DataSource({ type: "postgres", url: db.url, entities: [Person], subscribers: [Recorder], synchronize: true });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  test("typeorm is the app's (a peer, 0.3.20 up to 1.x); development pins one exact version, and the one installed is a line the range covers", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    expect(pkg.dependencies.typeorm).toBeUndefined();
    expect(pkg.peerDependencies.typeorm).toBe("^0.3.20 || ^1.0.0");
    expect(pkg.devDependencies.typeorm).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = JSON.parse(readFileSync(join(__dirname, "..", "node_modules", "typeorm", "package.json"), "utf8"));
    expect(installed.version).toMatch(/^(0\.3\.([2-9]\d|\d{3,})|1\.\d+\.\d+)$/);
  });

  test("driver.escape doubles a double quote inside a name on 1.x, not on 0.3 (src/bulk/quotable.ts tells them apart)", () => {
    expect(['"a""b"', '"a"b"']).toContain(ds.driver.escape('a"b'));
    expect(ds.driver.escape("Mixed Case")).toBe('"Mixed Case"');
  });

  test("Subject + SubjectChangedColumnsComputer report the changed columns as save() does", () => {
    const metadata = ds.getMetadata(Person);
    const before = Object.assign(new Person(), { id: 1, name: "ann", mood: Mood.Happy, code: null });
    const after = Object.assign(new Person(), { id: 1, name: "ANN", mood: Mood.Happy, code: null });
    const subject = new Subject({ metadata, entity: after, canBeUpdated: true });
    subject.databaseEntity = before;
    subject.databaseEntityLoaded = true;
    new SubjectChangedColumnsComputer().compute([subject]);
    expect(subject.mustBeUpdated).toBeTruthy();
    expect(subject.diffColumns.map((c) => c.propertyName)).toEqual(["name"]);
    expect(subject.changeMaps.map((m) => m.column?.propertyName)).toEqual(["name"]);
  });

  test("the broadcaster reaches subscribers with updatedColumns and databaseEntity, and reports async work in BroadcasterResult", async () => {
    const qr = ds.createQueryRunner();
    const metadata = ds.getMetadata(Person);
    const result = new BroadcasterResult();
    seen.length = 0;
    qr.broadcaster.broadcastAfterUpdateEvent(result, metadata, new Person(), new Person(), [metadata.findColumnWithPropertyName("name")!], []);
    await qr.release();
    expect(result.count).toBe(1);
    expect(seen).toEqual([{ updatedColumns: ["name"], hadDatabaseEntity: true }]);
  });

  test("the broadcaster's remove and soft-remove events carry entity, databaseEntity and the identifier as entityId (src/bulk/events.ts)", async () => {
    const qr = ds.createQueryRunner();
    const metadata = ds.getMetadata(Person);
    const result = new BroadcasterResult();
    removals.length = 0;
    const entity = Object.assign(new Person(), { name: "ann" });
    const row = Object.assign(new Person(), { id: 7, name: "ann" });
    qr.broadcaster.broadcastBeforeRemoveEvent(result, metadata, entity, row, metadata.getEntityIdMap(row));
    qr.broadcaster.broadcastAfterSoftRemoveEvent(result, metadata, entity, row, metadata.getEntityIdMap(row));
    await qr.release();
    expect(result.count).toBe(2);
    expect(removals).toEqual([
      { kind: "beforeRemove", entity, databaseEntity: row, entityId: 7 },
      { kind: "afterSoftRemove", entity, databaseEntity: row, entityId: 7 },
    ]);
  });

  test("enum type names follow PostgresQueryRunner.buildEnumName, and varchar(n) is cast without its length", async () => {
    const metadata = ds.getMetadata(Person);
    const mood = codecFor(metadata.findColumnWithPropertyName("mood")!);
    const [{ typname }] = await ds.query(`SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = 'pin_people'::regclass AND a.attname = 'mood'`);
    expect(mood.paramType).toBe(`"${typname}"[]`);
    expect(codecFor(metadata.findColumnWithPropertyName("code")!).paramType).toBe("character varying[]");
  });

  test("a query runner released with an error (releasePostgresConnection) closes its connection instead of pooling it", async () => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    const [{ pid }] = await qr.query("SELECT pg_backend_pid() pid");
    const release = (qr as unknown as { releasePostgresConnection: (e: Error) => Promise<void> }).releasePostgresConnection;
    expect(typeof release).toBe("function");
    await release.call(qr, new Error("discard"));
    await new Promise((r) => setTimeout(r, 200));
    const alive = await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid]);
    expect(alive).toHaveLength(0);
  });
});
