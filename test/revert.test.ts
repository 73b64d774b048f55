import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { bulkInsert, formatSummary } from "typeorm-data-script";
import { cloneValue } from "./bulk/type-cases";
import { TypesBulk, type Types } from "./fixtures/bulk/entities";
import { ENTITIES } from "./fixtures/undo/entities";
import { CASES, columnsFor } from "./fixtures/undo/mangle-plan";
import { killTree, ROOT, runCli, waitFor } from "./support/cli";
import type { TestDatabase } from "./support/database";
import { fixtureProject } from "./support/fixture-project";
import { waitForOrphans } from "./support/inputs";

/**
 * Undo: every chunk keeps the before-images of what it wrote, in its own
 * transaction; `data-script revert` writes them back through the bulk writers
 * (update events fire; inserted rows are deleted with remove events), never
 * over a row live traffic changed since, and is itself an exactly-once run.
 */
const undo = fixtureProject({ scripts: "test/fixtures/undo/scripts", dataSource: "test/fixtures/undo/ormconfig.ts", entities: ENTITIES });
const N = 20_000;
/** The crash test and the ledger tests need fewer rows: what they check does not grow with the table. */
const SMALL = 6_000;

/** Every column of types_bulk compared as its value (json as jsonb: TypeORM writes json as JSON.stringify gives it). */
const SAME_ROW = [...CASES.map((c) => (c.paramType === "json[]" ? `t.${q(c.column)}::jsonb IS NOT DISTINCT FROM b.${q(c.column)}::jsonb` : `t.${q(c.column)} IS NOT DISTINCT FROM b.${q(c.column)}`)), "t.score = b.score", "t.key IS NOT DISTINCT FROM b.key"].join(" AND ");

function q(name: string): string {
  return `"${name}"`;
}

async function seedTypes(db: TestDatabase, n: number): Promise<void> {
  const ds = new DataSource({ type: "postgres", url: db.url, entities: ENTITIES });
  await ds.initialize();
  try {
    const rows = Array.from({ length: n }, (_, i) => {
      const id = i + 1;
      const row = ds.manager.create(TypesBulk) as Types & Record<string, unknown>;
      CASES.forEach((c, k) => (row[c.prop] = cloneValue(c.values[(id * 7 + k) % c.values.length])));
      row.score = id;
      return row;
    });
    for (let i = 0; i < rows.length; i += 2_000) await bulkInsert(ds.manager, rows.slice(i, i + 2_000));
  } finally {
    await ds.destroy();
  }
}

/** Rows (other than `except`) that differ from the copy in `table`. */
async function differing(db: TestDatabase, table: string, except: number[] = []): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(
    `SELECT count(*) n FROM types_bulk t JOIN ${table} b USING (id) WHERE NOT (${SAME_ROW}) AND t.id <> ALL($1::int[])`,
    [except],
  );
  return Number(n);
}

async function events(db: TestDatabase, kind: string) {
  const [row] = await db.query<{ n: string; ids: string; max_per_id: string | null }>(
    `SELECT count(*) n, count(DISTINCT "rowId") ids, max(c) max_per_id FROM (SELECT "rowId", count(*) OVER (PARTITION BY "rowId") c FROM undo_events WHERE kind = $1) e`,
    [kind],
  );
  return { n: Number(row.n), ids: Number(row.ids), maxPerId: Number(row.max_per_id ?? 0) };
}

describe("revert a table-kind run", () => {
  let db: TestDatabase;
  const seeded = async (n: number) => {
    db = await undo.database("revert");
    await seedTypes(db, n);
    await db.query(`CREATE TABLE before_copy AS SELECT * FROM types_bulk`);
  };
  afterEach(() => db.drop());

  test("20,000 rows of every column type: restored exactly, except the 100 live traffic changed since (reported skipped); one update event per restored row; a second revert does nothing", async () => {
    await seeded(N);
    const run = await undo.cli(db, ["mangle", "--workers", "2", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", changed: N });
    expect(await differing(db, "before_copy")).toBe(N);

    // Live traffic changes a column the run wrote, on 100 rows.
    const live = Array.from({ length: N }, (_, i) => i + 1).filter((id) => columnsFor(id).includes("int")).slice(0, 100);
    expect(live).toHaveLength(100);
    await db.query(`UPDATE types_bulk SET "int" = -777 WHERE id = ANY($1::int[])`, [live]);
    await db.query(`CREATE TABLE after_live AS SELECT * FROM types_bulk WHERE id = ANY($1::int[])`, [live]);
    await db.query(`DELETE FROM undo_events`);

    const revert = await undo.cli(db, ["revert", "mangle", "--workers", "2", "--json"]);
    expect(revert.code).toBe(0);
    const summary = JSON.parse(revert.stdout);
    expect(summary).toMatchObject({ status: "completed", revertOf: expect.any(Number), scanned: N, changed: N - 100, skipped: 100, deleted: 0 });
    expect(summary.skippedKeys.map((k: { id: number }) => k.id).sort((a: number, b: number) => a - b)).toEqual(live);
    expect(await differing(db, "before_copy", live)).toBe(0);
    expect(await differing(db, "after_live")).toBe(0);
    expect(await events(db, "update")).toEqual({ n: N - 100, ids: N - 100, maxPerId: 1 });
    const [wrongColumns] = await db.query<{ n: string }>(`SELECT count(*) n FROM undo_events WHERE kind = 'update' AND columns = ''`);
    expect(wrongColumns.n).toBe("0"); // every event names the restored columns

    const [{ md5: before }] = await db.query<{ md5: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM types_bulk t`);
    const again = await undo.cli(db, ["revert", "mangle", "--workers", "2"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("was already reverted");
    const [{ md5: after }] = await db.query<{ md5: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM types_bulk t`);
    expect(after).toBe(before);
    expect((await events(db, "update")).n).toBe(N - 100);
  });

  test("a revert SIGKILLed mid-run (its parent, then a worker) is finished by the next revert: every row restored exactly once", async () => {
    await seeded(SMALL);
    expect((await undo.cli(db, ["mangle", "--workers", "2"])).code).toBe(0);
    await db.query(`DELETE FROM undo_events`);
    const slow = { env: { UNDO_SLOW_MS: "250" }, detached: true };
    const savedRevertChunks = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            `SELECT count(*) n FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.kind = 'revert' AND c.status IN ('saved', 'done')`,
          )
        )[0].n,
      );
    const first = undo.start(db, ["revert", "mangle", "--workers", "2"], slow);
    await waitFor(async () => (await savedRevertChunks()) >= 2);
    killTree(first.child, "SIGKILL");
    await first.done;
    const status = JSON.parse((await undo.cli(db, ["status", "--json"])).stdout);
    expect(status.find((s: { script: string }) => s.script === "mangle")).toMatchObject({ status: "completed", lastRevert: expect.objectContaining({ status: "running" }) });

    const second = undo.start(db, ["revert", "mangle", "--workers", "2"], { env: slow.env });
    const before = await savedRevertChunks();
    await waitFor(async () => (await savedRevertChunks()) >= before + 2);
    const [{ pid }] = await db.query<{ pid: number }>(
      `SELECT c.pid FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.kind = 'revert' AND c.status = 'done' ORDER BY c.saved_at DESC LIMIT 1`,
    );
    process.kill(pid, "SIGKILL");
    const secondResult = await second.done;
    if (secondResult.code !== 0) expect((await undo.cli(db, ["revert", "mangle", "--workers", "2"])).code).toBe(0);

    expect(await savedRevertChunks()).toBe(SMALL / 500);
    expect(await differing(db, "before_copy")).toBe(0);
    expect(await events(db, "update")).toEqual({ n: SMALL, ids: SMALL, maxPerId: 1 });
    const runs = await db.query<{ kind: string; status: string }>(`SELECT kind, status FROM data_script_runs ORDER BY id`);
    expect(runs).toEqual([
      { kind: "apply", status: "reverted" },
      { kind: "revert", status: "completed" },
    ]);
  });
});

describe("a revert killed and resumed", () => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  test("ends with the whole run's totals (restored, skipped, deleted), and lists every skipped key, the first attempt's too", async () => {
    db = await undo.database("revert_totals");
    await seedTypes(db, SMALL);
    expect((await undo.cli(db, ["mangle", "--workers", "2"])).code).toBe(0);
    // Live traffic changes 100 rows spread over every chunk, after the run.
    const candidates = Array.from({ length: SMALL }, (_, i) => i + 1).filter((id) => columnsFor(id).includes("int"));
    const live = Array.from({ length: 100 }, (_, i) => candidates[Math.floor((i * candidates.length) / 100)]);
    await db.query(`UPDATE types_bulk SET "int" = -777 WHERE id = ANY($1::int[])`, [live]);

    const first = undo.start(db, ["revert", "mangle", "--workers", "2"], { env: { UNDO_SLOW_MS: "250" }, detached: true });
    const savedRevertChunks = async () =>
      Number((await db.query<{ n: string }>(`SELECT count(*) n FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id WHERE r.kind = 'revert' AND c.status IN ('saved', 'done')`))[0].n);
    await waitFor(async () => (await savedRevertChunks()) >= 3);
    killTree(first.child, "SIGKILL");
    await first.done;
    await waitForOrphans(db); // the killed processes' sessions (and the script's lock) are gone

    const resumed = await undo.cli(db, ["revert", "mangle", "--workers", "2", "--json"]);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.resumed).toBe(true);
    expect(summary.skipped).toBeLessThan(100); // this invocation's share: the first attempt skipped some
    expect(summary.run).toMatchObject({ scanned: SMALL, changed: SMALL - 100, skipped: 100, deleted: 0, chunks: SMALL / 500 });
    expect(summary.skippedKeys.map((k: { id: number }) => k.id).sort((a: number, b: number) => a - b)).toEqual([...live].sort((a, b) => a - b));
    // What the summary says (the CLI prints formatSummary of this same summary without --json).
    const text = formatSummary(summary).split("\n");
    expect(text[text.length - 1]).toMatch(new RegExp(`^  the run, \\d+ participants: ${SMALL} in the before-images, ${SMALL - 100} restored, 100 skipped, 0 deleted in ${SMALL / 500} chunks \\(this invocation's share above\\)$`));
    expect(text.find((l) => l.startsWith("  skipped (the whole run): "))).toMatch(/, … \(--json lists all 100\)$/);
    const status = JSON.parse((await undo.cli(db, ["status", "--json"])).stdout);
    expect(status.find((s: { script: string }) => s.script === "mangle")).toMatchObject({ status: "reverted", lastRevert: { status: "completed", restored: SMALL - 100, skipped: 100, deleted: 0 } });
  });
});

describe("revert a source-kind run", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await undo.database("revert_src");
  });
  afterEach(() => db.drop());

  test("an INSERT run: exactly its 10,000 rows are deleted (others' rows stay), each with one remove event", async () => {
    expect((await undo.cli(db, ["add-notes", "--workers", "2", "--param", "count=10000"])).code).toBe(0);
    await db.query(`INSERT INTO notes (title) SELECT 'someone else ' || g FROM generate_series(1, 50) g`);
    const revert = await undo.cli(db, ["revert", "add-notes", "--workers", "2", "--json"]);
    expect(revert.code).toBe(0);
    expect(JSON.parse(revert.stdout)).toMatchObject({ status: "completed", deleted: 10_000, skipped: 0 });
    const [notes] = await db.query<{ n: string; others: string }>(`SELECT count(*) n, count(*) FILTER (WHERE title LIKE 'someone else %') others FROM notes`);
    expect(notes).toEqual({ n: "50", others: "50" });
    expect(await events(db, "beforeRemove")).toEqual({ n: 10_000, ids: 10_000, maxPerId: 1 });
    expect(await events(db, "afterRemove")).toEqual({ n: 10_000, ids: 10_000, maxPerId: 1 });
  });

  test("an upsert run: the rows it updated get their values back, the rows it created are deleted", async () => {
    await db.query(`INSERT INTO notes ("externalId", title) SELECT 'e' || g, 'old ' || g FROM generate_series(1, 100) g`);
    await db.query(`CREATE TABLE notes_before AS SELECT * FROM notes`);
    const run = await undo.cli(db, ["upsert-notes", "--workers", "2", "--param", "from=51", "--param", "to=150", "--json"]);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "completed", inserted: 50, changed: 50 });
    const revert = await undo.cli(db, ["revert", "upsert-notes", "--workers", "2", "--json"]);
    expect(JSON.parse(revert.stdout)).toMatchObject({ status: "completed", changed: 50, deleted: 50, skipped: 0 });
    const [diff] = await db.query<{ n: string }>(
      `SELECT count(*) n FROM (SELECT id, "externalId", title FROM notes EXCEPT SELECT id, "externalId", title FROM notes_before) d`,
    );
    const [count] = await db.query<{ n: string }>(`SELECT count(*) n FROM notes`);
    expect({ diff: diff.n, count: count.n }).toEqual({ diff: "0", count: "100" });
  });
});

describe("a reverted script in the ledger, status, run --pending and check", () => {
  let db: TestDatabase;
  let scratch: string;
  // The scripts folder is a scratch copy: the test edits the script's file.
  const cli = (args: string[]) => runCli([...args, "-d", "test/fixtures/undo/ormconfig.ts", "--no-progress", "--scripts", scratch], { env: { DATABASE_URL: db.url } });
  beforeEach(async () => {
    db = await undo.database("revert_ledger");
    await seedTypes(db, SMALL);
    scratch = mkdtempSync(join(ROOT, "test", "fixtures", "undo", "scratch-"));
    cpSync(join(ROOT, "test", "fixtures", "undo", "scripts", "mangle.ts"), join(scratch, "mangle.ts"));
  });
  afterEach(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await db.drop();
  });

  test("reverted, not completed; run --pending leaves it alone while its file is unchanged and runs it once the file changed; check agrees", async () => {
    expect((await cli(["run", "--pending", "--workers", "2"])).code).toBe(0);
    expect(JSON.parse((await cli(["status", "--json"])).stdout)[0]).toMatchObject({ script: "mangle", status: "completed", revertible: true });
    expect((await cli(["revert", "mangle"])).code).toBe(0);
    expect(JSON.parse((await cli(["status", "--json"])).stdout)[0]).toMatchObject({ script: "mangle", status: "reverted", revertible: false });

    const pending = await cli(["run", "--pending", "--workers", "2"]);
    expect(pending.code).toBe(0);
    expect(pending.stderr).toContain("mangle: left alone");
    // check passes (run --pending has nothing to run) and says why: the script was reverted and is not re-run while unchanged.
    const check = await cli(["check"]);
    expect(check.code).toBe(0);
    expect(check.stdout.trim().split("\n")).toEqual([
      "nothing left to run: 0 completed, 1 reverted",
      "reverted, and not run again while its file is unchanged: mangle",
      "(change the file to run a fixed version with run --pending, or run it by name: data-script mangle)",
    ]);
    expect(check.stdout).not.toContain("all data scripts completed");
    expect(JSON.parse((await cli(["check", "--json"])).stdout)).toEqual({ ok: true, open: [], reverted: ["mangle"] });
    expect((await db.query(`SELECT 1 FROM data_script_runs WHERE kind = 'apply'`)).length).toBe(1);

    const file = join(scratch, "mangle.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// a fixed version\n`);
    expect(JSON.parse((await cli(["status", "--json"])).stdout)[0]).toMatchObject({ script: "mangle", status: "pending" });
    expect((await cli(["check"])).code).toBe(1);
    const fixed = await cli(["run", "--pending", "--workers", "2"]);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toContain("mangle: completed");
    expect((await cli(["check"])).code).toBe(0);
    const kinds = await db.query<{ kind: string; status: string }>(`SELECT kind, status FROM data_script_runs ORDER BY id`);
    expect(kinds).toEqual([
      { kind: "apply", status: "reverted" },
      { kind: "revert", status: "completed" },
      { kind: "apply", status: "completed" },
    ]);
  });

  test("a run kept with --no-undo (or keepUndo = false) cannot be reverted: exit 2, saying why; prune deletes old before-images", async () => {
    expect((await cli(["mangle", "--workers", "1", "--no-undo"])).code).toBe(0);
    const refused = await cli(["revert", "mangle"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("kept no before-images");
    expect((await cli(["mangle", "--workers", "1", "--force"])).code).toBe(0);
    const [kept] = await db.query<{ n: string }>(`SELECT count(*) n FROM data_script_undo`);
    expect(Number(kept.n)).toBe(SMALL / 500);
    const young = await cli(["prune", "--older-than", "1h"]);
    expect(young.stdout).toContain("pruned the before-images of 0 run(s)");
    await db.query(`UPDATE data_script_runs SET finished_at = now() - interval '2 days'`);
    const old = await cli(["prune", "--older-than", "1d", "--json"]);
    expect(JSON.parse(old.stdout)).toMatchObject({ runs: 1, rows: SMALL });
    expect((await db.query(`SELECT 1 FROM data_script_undo`)).length).toBe(0);
    const gone = await cli(["revert", "mangle"]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain("its before-images were pruned");
  });
});
