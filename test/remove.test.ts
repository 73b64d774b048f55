import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { bulkInsert } from "typeorm-data-script";
import { cloneValue } from "./bulk/type-cases";
import { type Types } from "./fixtures/bulk/entities";
import { ENTITIES, MembersSave, RemoveRecorder, SoftMembersSave, TypesBulk } from "./fixtures/remove/entities";
import { CASES } from "./fixtures/undo/mangle-plan";
import { killTree, waitFor } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { ledgerChunks } from "./support/ledger";

/**
 * Removing rows: a table-kind script's mutate returns REMOVE; the chunk's
 * removed rows go in ONE statement (a DELETE, or a soft-removal's UPDATE)
 * with the events TypeORM's own remove()/softRemove() fires, their whole
 * before-images kept, so revert re-inserts them (or clears deletedAt).
 */
const project = fixtureProject({ scripts: "test/fixtures/remove/scripts", dataSource: "test/fixtures/remove/ormconfig.ts", entities: ENTITIES });

let db: TestDatabase;
let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "remove-test-"));
});
afterEach(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await db?.drop();
});

/** Statements that wrote a test table (`DELETE FROM "members_bulk" +range`: see the fixture's ormconfig), counted. */
function writes(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return counts;
  }
  for (const line of text.split("\n").filter(Boolean)) {
    counts[line] = (counts[line] ?? 0) + 1;
  }
  return counts;
}

async function seedMembers(n: number, tables = ["members_bulk", "members_save"]) {
  for (const table of tables) {
    await db.query(
      `INSERT INTO ${table} (id, name, inactive, visits, "lastSeen")
       SELECT g, 'member ' || g, g % 4 = 0, 0, timestamptz '2024-01-01 00:00:00.123+00' + g * interval '1 minute' FROM generate_series(1, $1) g`,
      [n],
    );
  }
}

async function seedSoftMembers(n: number) {
  for (const table of ["soft_members_bulk", "soft_members_save"]) {
    await db.query(
      `INSERT INTO ${table} (name, inactive, visits, "updatedAt", version) SELECT 'member ' || g, g % 4 = 0, 0, timestamptz '2024-01-01 00:00:00+00', 1 FROM generate_series(1, $1) g`,
      [n],
    );
  }
}

/** The events a twin's rows got, of these kinds, in one order (by row, then kind). */
async function eventsOf(twin: string, kinds: string[]) {
  return db.query<{ kind: string; rowId: number; seen: Record<string, unknown> }>(
    `SELECT kind, "rowId", seen FROM remove_events WHERE twin = $1 AND kind = ANY($2::text[]) ORDER BY "rowId", kind`,
    [twin, kinds],
  );
}

/** How many events of a kind, over how many distinct rows, and the most any row got. */
async function eventCounts(entity: string, kind: string) {
  const [row] = await db.query<{ n: string; ids: string; max: string | null }>(
    `SELECT count(*) n, count(DISTINCT "rowId") ids, max(c) max FROM (SELECT "rowId", count(*) OVER (PARTITION BY "rowId") c FROM remove_events WHERE entity = $1 AND kind = $2) e`,
    [entity, kind],
  );
  return { n: Number(row.n), ids: Number(row.ids), maxPerRow: Number(row.max ?? 0) };
}

/** A DataSource of the fixture's entities and recorder, for TypeORM's own remove() / softRemove() on the `_save` twins. */
async function typeorm(): Promise<DataSource> {
  const ds = new DataSource({ type: "postgres", url: db.url, entities: ENTITIES, subscribers: [RemoveRecorder] });
  return ds.initialize();
}

/** Rows of one table that the other lacks (every column compared as text), both ways. */
async function tableDifference(a: string, b: string, columns: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(
    `SELECT count(*) n FROM ((SELECT ${columns} FROM ${a} EXCEPT SELECT ${columns} FROM ${b}) UNION ALL (SELECT ${columns} FROM ${b} EXCEPT SELECT ${columns} FROM ${a})) d`,
  );
  return Number(n);
}

describe("a purge script (hard delete)", () => {
  test("removes exactly the rows mutate marks, ONE DELETE per chunk beside its UPDATE, remove events as TypeORM's remove() gives them; dry run, summary and status count them", async () => {
    const N = 1_000;
    db = await project.database("remove_purge");
    await seedMembers(N);
    const log = join(scratch, "queries.log");

    const dry = await project.cli(db, ["purge-members", "--workers", "2", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain("250 would be removed");
    const samples = [...dry.stderr.matchAll(/ (\d+): would be deleted/g)].map((m) => Number(m[1]));
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((id) => id % 4 === 0)).toBe(true); // only inactive members
    expect((await db.query(`SELECT 1 FROM members_bulk`)).length).toBe(N);

    const run = await project.cli(db, ["purge-members", "--workers", "2", "--json"], { env: { QUERY_LOG: log } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", scanned: N, changed: 750, removed: 250, chunks: 10 });
    expect(writes(log)).toEqual({ 'DELETE FROM "members_bulk" +range': 10, 'UPDATE "members_bulk" +range': 10 });
    const [left] = await db.query<{ n: string; inactive: string; visits: string }>(
      `SELECT count(*) n, count(*) FILTER (WHERE inactive) inactive, count(*) FILTER (WHERE visits <> 1) visits FROM members_bulk`,
    );
    expect(left).toEqual({ n: "750", inactive: "0", visits: "0" });

    // The same change through TypeORM itself: remove() the inactive rows, save() the others.
    const ds = await typeorm();
    try {
      const rows = await ds.getRepository(MembersSave).find({ order: { id: "ASC" } });
      await ds.manager.remove(rows.filter((r) => r.inactive));
      const active = rows.filter((r) => !r.inactive);
      active.forEach((r) => (r.visits += 1));
      await ds.manager.save(active);
    } finally {
      await ds.destroy();
    }
    expect(await tableDifference("members_bulk", "members_save", `id, name, inactive, visits, "lastSeen"`)).toBe(0);
    const kinds = ["beforeRemove", "afterRemove"];
    const bulk = await eventsOf("bulk", kinds);
    expect(bulk).toHaveLength(500);
    expect(bulk).toEqual(await eventsOf("save", kinds));
    // What remove() shows, pinned: the key gone from the entity after the DELETE, the database row whole, entityId the key.
    expect(bulk.find((e) => e.rowId === 4 && e.kind === "afterRemove")!.seen).toMatchObject({
      entity: { id: "undefined", name: "member 4", inactive: true },
      databaseEntity: { id: 4, name: "member 4", lastSeen: "Date(2024-01-01T00:04:00.123Z)" },
      entityId: 4,
      inTransaction: true,
    });
    for (const kind of kinds) expect(await eventCounts("members", kind)).toEqual({ n: 500, ids: 250, maxPerRow: 2 }); // once per twin

    const status = JSON.parse((await project.cli(db, ["status", "--json"])).stdout);
    expect(status.find((s: { script: string }) => s.script === "purge-members")).toMatchObject({ status: "completed", rowsRemoved: 250, rowsChanged: 750 });
    expect((await project.cli(db, ["status"])).stdout).toMatch(/purge-members .*750 changed, 0 inserted, 250 removed/);
  });
});

test("a source-kind script that returns REMOVE is refused: exit 1, saying REMOVE is for table-kind scripts, nothing written", async () => {
  db = await project.database("remove_source");
  const run = await project.cli(db, ["remove-from-source", "--workers", "1"]);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("mutate must return a Member");
  expect(run.stderr).toContain("it returned REMOVE (which only a table-kind script can return, for a row it was given) for input #1");
  expect((await db.query(`SELECT 1 FROM members_bulk`)).length).toBe(0);
});

describe("an entity with a @DeleteDateColumn", () => {
  test("is soft-removed (one UPDATE setting deletedAt per chunk, soft-remove events as softRemove() gives them); revert clears deletedAt; hardDelete = true really deletes", async () => {
    const N = 300;
    db = await project.database("remove_soft");
    await seedSoftMembers(N);
    const log = join(scratch, "queries.log");

    const run = await project.cli(db, ["purge-soft", "--workers", "2", "--json"], { env: { QUERY_LOG: log } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", changed: 225, removed: 75, chunks: 3 });
    expect(writes(log)).toEqual({ 'UPDATE "soft_members_bulk" +range': 6 }); // per chunk: the visits, the soft-removal
    const [soft] = await db.query<{ n: string; gone: string; wrong: string; versions: string }>(
      `SELECT count(*) n, count(*) FILTER (WHERE "deletedAt" IS NOT NULL) gone,
              count(*) FILTER (WHERE ("deletedAt" IS NOT NULL) <> inactive) wrong, string_agg(DISTINCT version::text, ',') versions
       FROM soft_members_bulk`,
    );
    expect(soft).toEqual({ n: String(N), gone: "75", wrong: "0", versions: "2" });

    const ds = await typeorm();
    try {
      const rows = await ds.getRepository(SoftMembersSave).find({ order: { id: "ASC" } });
      await ds.manager.softRemove(rows.filter((r) => r.inactive));
    } finally {
      await ds.destroy();
    }
    const kinds = ["beforeSoftRemove", "afterSoftRemove", "beforeRemove", "afterRemove"];
    const bulk = await eventsOf("bulk", kinds);
    expect(bulk).toHaveLength(150);
    expect(new Set(bulk.map((e) => e.kind))).toEqual(new Set(["beforeSoftRemove", "afterSoftRemove"]));
    expect(bulk).toEqual(await eventsOf("save", kinds));
    expect(bulk.find((e) => e.rowId === 4 && e.kind === "afterSoftRemove")!.seen).toMatchObject({
      entity: { id: 4, deletedAt: "<Date>", version: 2 },
      databaseEntity: { id: 4, deletedAt: "null", version: 1 },
      entityId: 4,
    });

    const revert = await project.cli(db, ["revert", "purge-soft", "--workers", "2", "--json"]);
    expect(revert.code).toBe(0);
    expect(JSON.parse(revert.stdout)).toMatchObject({ status: "completed", changed: N, skipped: 0 });
    const [back] = await db.query<{ gone: string; visits: string }>(
      `SELECT count(*) FILTER (WHERE "deletedAt" IS NOT NULL) gone, count(*) FILTER (WHERE visits <> 0) visits FROM soft_members_bulk`,
    );
    expect(back).toEqual({ gone: "0", visits: "0" });
    const restored = await db.query<{ n: string }>(
      `SELECT count(*) n FROM remove_events WHERE twin = 'bulk' AND kind = 'afterUpdate' AND seen->'updatedColumns' = '["deletedAt"]'::jsonb`,
    );
    expect(restored[0].n).toBe("75");

    const hard = await project.cli(db, ["purge-soft-hard", "--workers", "2", "--json"], { env: { QUERY_LOG: log } });
    expect(hard.code).toBe(0);
    expect(JSON.parse(hard.stdout)).toMatchObject({ status: "completed", removed: 75 });
    const [left] = await db.query<{ n: string; inactive: string }>(`SELECT count(*) n, count(*) FILTER (WHERE inactive) inactive FROM soft_members_bulk`);
    expect(left).toEqual({ n: "225", inactive: "0" });
    expect(writes(log)['DELETE FROM "soft_members_bulk" +range']).toBe(3);
    expect(await eventCounts("soft_members", "afterRemove")).toEqual({ n: 75, ids: 75, maxPerRow: 1 });
  });
});

describe("revert of a purge", () => {
  /** Every column of types_bulk compared as its value (json as jsonb: TypeORM writes json as JSON.stringify gives it). */
  const SAME_ROW = [...CASES.map((c) => (c.paramType === "json[]" ? `t."${c.column}"::jsonb IS NOT DISTINCT FROM b."${c.column}"::jsonb` : `t."${c.column}" IS NOT DISTINCT FROM b."${c.column}"`)), "t.score = b.score", "t.key IS NOT DISTINCT FROM b.key"].join(" AND ");

  async function seedTypes(n: number): Promise<void> {
    const ds = new DataSource({ type: "postgres", url: db.url, entities: ENTITIES });
    await ds.initialize();
    try {
      const rows = Array.from({ length: n }, (_, i) => {
        const id = i + 1;
        const row = ds.manager.create(TypesBulk) as Types & Record<string, unknown>;
        CASES.forEach((c, k) => (row[c.prop] = cloneValue(c.values[(id * 7 + k) % c.values.length])));
        row.key = `k${id}`;
        row.score = id;
        return row;
      });
      await bulkInsert(ds.manager, rows);
    } finally {
      await ds.destroy();
    }
  }

  test("re-inserts the removed rows exactly as they were (every column type), with insert events; a key re-used since is skipped and named", async () => {
    const N = 3_000;
    db = await project.database("remove_revert");
    await seedTypes(N);
    await db.query(`CREATE TABLE before_copy AS SELECT * FROM types_bulk`);
    const run = await project.cli(db, ["purge-types", "--workers", "2", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", removed: N / 3, changed: N / 3 });
    expect((await db.query(`SELECT 1 FROM types_bulk`)).length).toBe(N - N / 3);

    // Live traffic re-uses a removed key.
    await db.query(`INSERT INTO types_bulk (id, score) VALUES (3, -1)`);
    await db.query(`DELETE FROM remove_events`);
    // A dry run says what the revert would do, in words.
    const preview = await project.cli(db, ["revert", "purge-types", "--workers", "2", "--dry-run"]);
    expect(preview.code).toBe(0);
    expect(preview.stderr).toContain(`1 skipped (changed since the run: left as they are), 0 would be deleted (inserted by the run), ${N / 3 - 1} would be re-inserted (removed by the run)`);
    expect(preview.stderr).toContain(`skipped: {"id":3}`);
    // Its samples name rows as a run's dry run does (the key's value), before → after.
    expect(preview.stderr).toMatch(/^    \d+: \w+: .+ → .+$/m);
    expect(preview.stderr).not.toMatch(/^    \{/m);
    const revert = await project.cli(db, ["revert", "purge-types", "--workers", "2", "--json"]);
    expect(revert.code).toBe(0);
    const summary = JSON.parse(revert.stdout);
    expect(summary).toMatchObject({ status: "completed", scanned: N - N / 3, changed: N / 3, inserted: N / 3 - 1, skipped: 1, skippedKeys: [{ id: 3 }] });

    const [{ n: differ }] = await db.query<{ n: string }>(`SELECT count(*) n FROM types_bulk t JOIN before_copy b USING (id) WHERE NOT (${SAME_ROW}) AND t.id <> 3`);
    expect(differ).toBe("0");
    const [{ n: rows }] = await db.query<{ n: string }>(`SELECT count(*) n FROM types_bulk`);
    expect(rows).toBe(String(N));
    expect((await db.query(`SELECT score FROM types_bulk WHERE id = 3`))[0]).toEqual({ score: -1 }); // the live row left alone
    expect(await eventCounts("types", "afterInsert")).toEqual({ n: N / 3 - 1, ids: N / 3 - 1, maxPerRow: 1 });
    expect((await project.cli(db, ["status"])).stdout).toMatch(/purge-types .*reverted.*1 skipped, 0 deleted, 999 re-inserted/);
  });
});

test("a composite key (tenantId, id): one DELETE per chunk bounded by the chunk's row-comparison range; revert re-inserts every row", async () => {
  db = await project.database("remove_composite");
  await db.query(`INSERT INTO tenant_members_bulk ("tenantId", id, name, inactive) SELECT 'tenant-' || (g % 5), g / 5, 'm' || g, g % 3 = 0 FROM generate_series(0, 1999) g`);
  await db.query(`CREATE TABLE tenants_before AS SELECT * FROM tenant_members_bulk`);
  const log = join(scratch, "queries.log");
  const run = await project.cli(db, ["purge-tenants", "--workers", "2", "--json"], { env: { QUERY_LOG: log } });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", removed: 667, chunks: 10 });
  expect(writes(log)).toEqual({ 'DELETE FROM "tenant_members_bulk" +range': 10 });
  const [left] = await db.query<{ n: string; inactive: string }>(`SELECT count(*) n, count(*) FILTER (WHERE inactive) inactive FROM tenant_members_bulk`);
  expect(left).toEqual({ n: "1333", inactive: "0" });
  expect((await eventCounts("tenant_members", "afterRemove")).n).toBe(667); // ids repeat across tenants: counted, not told apart

  const revert = await project.cli(db, ["revert", "purge-tenants", "--workers", "2", "--json"]);
  expect(revert.code).toBe(0);
  expect(JSON.parse(revert.stdout)).toMatchObject({ status: "completed", inserted: 667, skipped: 0 });
  expect(await tableDifference("tenant_members_bulk", "tenants_before", `"tenantId", id, name, inactive`)).toBe(0);
});

describe("a purge killed mid-run", () => {
  test("SIGKILL, then resume: every marked row removed exactly once (one remove event each), every other row changed once", async () => {
    const N = 5_000;
    db = await project.database("remove_kill");
    await seedMembers(N, ["members_bulk"]);
    const args = ["purge-members", "--workers", "2", "--param", "sleepMs=100"];
    const saved = async () => (await ledgerChunks(db, "purge-members")).filter((c) => c.status === "saved" || c.status === "done").length;
    const first = project.start(db, args, { detached: true });
    await waitFor(async () => (await saved()) >= 5);
    killTree(first.child, "SIGKILL");
    await first.done;
    // The killed sessions' advisory lock goes once the server has seen them go.
    await waitFor(async () => (await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).length === 0);
    const partial = await saved();
    expect(partial).toBeLessThan(N / 100);

    const second = await project.cli(db, ["purge-members", "--workers", "2", "--json"]);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(second.stdout)).toMatchObject({ status: "completed", resumed: true, run: expect.objectContaining({ removed: N / 4, changed: N - N / 4 }) });
    expect(await saved()).toBe(N / 100);
    const [left] = await db.query<{ n: string; inactive: string; wrong: string }>(
      `SELECT count(*) n, count(*) FILTER (WHERE inactive) inactive, count(*) FILTER (WHERE visits <> 1) wrong FROM members_bulk`,
    );
    expect(left).toEqual({ n: String(N - N / 4), inactive: "0", wrong: "0" });
    expect(await eventCounts("members", "afterRemove")).toEqual({ n: N / 4, ids: N / 4, maxPerRow: 1 });
    expect(await eventCounts("members", "afterUpdate")).toEqual({ n: N - N / 4, ids: N - N / 4, maxPerRow: 1 });
    const status = JSON.parse((await project.cli(db, ["status", "--json"])).stdout);
    expect(status.find((s: { script: string }) => s.script === "purge-members")).toMatchObject({ status: "completed", rowsRemoved: N / 4 });
  });
});
