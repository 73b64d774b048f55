import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { ENTITIES } from "./fixtures/partial/entities";

/**
 * A table-kind script's `select`: with nobody else seeing the entity's rows, each chunk loads only
 * the key, the declared columns and the update-date column; the table, the before-images (revert)
 * and the summary's counts are those of the same script loading whole rows. A subscriber that sees
 * the rows forces whole rows; an unknown property, or a write outside `select`, is refused.
 */
const project = fixtureProject({ scripts: "test/fixtures/partial/scripts", dataSource: "test/fixtures/partial/ormconfig.ts", entities: ENTITIES });
const N = 2_500;

let dbs: TestDatabase[] = [];
let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "partial-rows-"));
});
afterEach(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await Promise.all(dbs.map((db) => db.drop()));
  dbs = [];
});

async function database(prefix: string): Promise<TestDatabase> {
  const db = await project.database(prefix);
  dbs.push(db);
  await db.query(
    `INSERT INTO partial_accounts (id, username, email, bio, prefs, visits, "createdAt", "updatedAt")
     SELECT g, 'user' || g, 'u' || g || '@example.com', repeat('bio ', 75), jsonb_build_object('theme', 'dark', 'n', g), g % 7,
            timestamptz '2024-01-01 00:00:00.123+00' + g * interval '1 minute', timestamptz '2024-02-01 00:00:00.456+00' + g * interval '1 minute'
     FROM generate_series(1, $1) g`,
    [N],
  );
  await db.query(`INSERT INTO partial_watched (id, name, note, score) SELECT g, 'watched' || g, 'note ' || g, g FROM generate_series(1, 300) g`);
  return db;
}

const accounts = (db: TestDatabase, columns = `*`) => db.query<Record<string, unknown>>(`SELECT ${columns} FROM partial_accounts ORDER BY id`);
const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);
/** The chunks' range loads (a removal's reload of its rows selects by key, not by range). */
const rangeLoads = (file: string, table: string) => lines(file).filter((l) => l.includes(`FROM "${table}"`) && l.includes("BETWEEN"));

test("select loads only the key, the declared columns and updatedAt; the table and the before-images equal those of whole rows", async () => {
  const [whole, partial] = [await database("partial_whole"), await database("partial_select")];
  const seed = await accounts(partial);
  const log = join(scratch, "queries.log");

  const a = await project.cli(whole, ["rename-whole", "--workers", "2", "--json"]);
  const b = await project.cli(partial, ["rename-select", "--workers", "2", "--json"], { env: { QUERY_LOG: log } });
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  const [sa, sb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
  expect(sb.rows).toBe("rows loaded: id, username, updatedAt (select)");
  expect(sa.rows).toBeUndefined();
  for (const key of ["scanned", "changed", "removed", "skipped", "chunks"]) expect(sb[key]).toBe(sa[key]);
  expect(sb).toMatchObject({ scanned: N, changed: N - N / 10, removed: N / 10 });

  const loads = rangeLoads(log, "partial_accounts");
  expect(loads.length).toBe(3);
  for (const sql of loads) {
    const columns = [...sql.matchAll(/"row"\."(\w+)" AS "/g)].map((m) => m[1]);
    expect(columns.sort()).toEqual(["id", "updatedAt", "username"]);
  }

  // The same rows after the run (updatedAt is the time of each run's write).
  const written = "id, username, email, bio, prefs, visits, \"createdAt\"";
  expect(await accounts(partial, written)).toEqual(await accounts(whole, written));
  const [stale] = await partial.query<{ n: string }>(`SELECT count(*) n FROM partial_accounts WHERE "updatedAt" < timestamptz '2025-01-01'`);
  expect(stale.n).toBe("0");

  // The before-images restore every row as seeded, re-inserting the removed ones whole, in both alike
  // (a restored row's updatedAt is the revert's time, as a revert writes it).
  const restored = [];
  for (const [db, script] of [[whole, "rename-whole"], [partial, "rename-select"]] as const) {
    const revert = await project.cli(db, ["revert", script, "--workers", "2", "--json"]);
    expect(revert.code).toBe(0);
    expect(JSON.parse(revert.stdout)).toMatchObject({ changed: N - N / 10, inserted: N / 10, skipped: 0 });
    restored.push(await accounts(db, written));
  }
  expect(restored[1]).toEqual(restored[0]);
  expect(restored[1]).toEqual(seed.map(({ updatedAt, ...row }) => row));
  const reinserted = `SELECT id, "updatedAt" FROM partial_accounts WHERE id % 10 = 0 ORDER BY id`;
  expect(await partial.query(reinserted)).toEqual(await whole.query(reinserted));
});

test("a subscriber that sees the entity's rows forces whole rows, and the summary says why", async () => {
  const db = await database("partial_watched");
  const log = join(scratch, "queries.log");
  const seen = join(scratch, "subscriber.log");
  const run = await project.cli(db, ["watched-select", "--workers", "2", "--json"], { env: { QUERY_LOG: log, SUBSCRIBER_LOG: seen } });
  expect(run.code).toBe(0);
  const summary = JSON.parse(run.stdout);
  expect(summary.rows).toBe("whole rows: subscriber WatchedSubscriber sees Watched (beforeUpdate)");
  expect(summary.changed).toBe(300);
  for (const sql of rangeLoads(log, "partial_watched")) {
    expect([...sql.matchAll(/"row"\."(\w+)" AS "/g)].map((m) => m[1]).sort()).toEqual(["id", "name", "note", "score"]);
  }
  const images = lines(seen);
  expect(images).toHaveLength(300);
  expect(new Set(images)).toEqual(new Set([JSON.stringify(["id", "name", "note", "score"])]));
  const text = await project.cli(db, ["watched-select", "--force", "--workers", "1"]);
  expect(text.stderr).toContain("whole rows: subscriber WatchedSubscriber sees Watched");
});

test("select naming an unknown property exits 2 before any chunk", async () => {
  const db = await database("partial_unknown");
  const run = await project.cli(db, ["select-unknown", "--workers", "2"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('script select-unknown: select: Account has no property "usrname" (its properties: id, username, email, bio, prefs, visits, createdAt, updatedAt)');
  expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  const runs = await db.query(`SELECT to_regclass('data_script_runs') t`);
  if ((runs[0] as { t: string | null }).t) expect(await db.query(`SELECT id FROM data_script_runs`)).toEqual([]);
  expect(await db.query(`SELECT count(*) n FROM partial_accounts WHERE username <> lower(username)`)).toEqual([{ n: "0" }]);
});

test("mutate setting a property outside select fails its chunk, naming the property; that chunk writes nothing", async () => {
  const db = await database("partial_outside");
  const seed = await accounts(db);
  const run = await project.cli(db, ["select-outside", "--workers", "1", "--json"]);
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout).message).toContain(
    "mutate set Account.email on row 1500 (chunk 2), which the script's select does not load (id, username, updatedAt): add \"email\" to select; nothing was written",
  );
  const after = (await accounts(db)) as { id: number; email: string; username: string }[];
  // Chunk 2 (rows 1001–2000) wrote nothing; no email changed anywhere.
  expect(after.filter((r) => r.id > 1000 && r.id <= 2000)).toEqual(seed.filter((r) => (r as { id: number }).id > 1000 && (r as { id: number }).id <= 2000));
  expect(after.every((r, i) => r.email === (seed[i] as { email: string }).email)).toBe(true);
});

test("a load PostgreSQL refuses fails its chunk as a database error, the statement logged", async () => {
  const db = await database("partial_load_fails");
  const log = join(scratch, "queries.log");
  const run = await project.cli(db, ["load-fails", "--workers", "1", "--json"], { env: { QUERY_LOG: log } });
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout).message).toContain('chunk 1 failed: invalid input syntax for type integer: "user1"');
  expect(rangeLoads(log, "partial_accounts").some((sql) => sql.includes("WHERE row.username::int > 0 AND"))).toBe(true);
  const [failed] = await db.query<{ error: string }>(`SELECT error FROM data_script_chunks WHERE status = 'failed'`);
  expect(failed.error).toContain("invalid input syntax for type integer");
});
