import { spawn } from "node:child_process";
import { join } from "node:path";
import { REGISTER } from "../support/cli";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * 100,000 rows through one call = one statement (one bind array per column,
 * no 65,535-parameter ceiling), with every event fired. The work runs in a
 * plain Node child process (test/fixtures/bulk/hundred-thousand.ts): jest's
 * sandbox makes it ~3x slower.
 */

const N = 100_000;
const ROOT = join(__dirname, "..", "..");
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("bulk_100k");
});
afterAll(() => db?.drop());

interface Step {
  result: Record<string, number>;
  statements: { sql: string; params: number[] }[];
  events: Record<string, number>;
  ms: number;
}

function run(): Promise<Record<string, Step> & { table: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", REGISTER, join(ROOT, "test/fixtures/bulk/hundred-thousand.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, ROWS: String(N) },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

test("bulkInsert, bulkUpdate and bulkUpsert of 100,000 rows: one statement each, every event fired", async () => {
  const report = await run();
  const { insert, update, upsert } = report;

  expect(insert.result).toEqual({ inserted: N, lastId: N });
  expect(insert.statements).toHaveLength(1);
  expect(insert.statements[0].sql).toMatch(/^INSERT INTO "types_bulk" AS t \("key", "int", "big", "body", "docb", "mood", "labels"\) SELECT .* FROM unnest\(/);
  expect(insert.statements[0].params).toEqual(Array(7).fill(N)); // one array of N values per column
  expect(insert.events).toEqual({ beforeInsert: N, afterInsert: N });

  expect(update.result).toEqual({ updated: N, conflicts: 0 });
  expect(update.statements).toHaveLength(1);
  expect(update.statements[0].sql).toMatch(/^UPDATE "types_bulk" AS t SET "body" = v\."body", "labels" = CASE WHEN v\."__set_1" THEN v\."labels"::text\[\] ELSE t\."labels" END FROM unnest\(/);
  // id, body, labels, the labels flag, then the key range bounds.
  expect(update.statements[0].params).toEqual([N, N, N, N, -1, -1]);
  expect(update.events).toEqual({ beforeUpdate: N, afterUpdate: N });

  expect(upsert.result).toEqual({ created: N / 2, updated: N / 2, unchanged: 0 });
  expect(upsert.statements).toHaveLength(1);
  expect(upsert.statements[0].sql).toMatch(/^INSERT INTO "types_bulk" AS t .* ON CONFLICT \("key"\) DO UPDATE SET .* RETURNING .*\(t\.xmax = 0\) AS "__inserted"$/);
  expect(upsert.events).toEqual({ beforeInsert: N / 2, beforeUpdate: N / 2, afterInsert: N / 2, afterUpdate: N / 2 });

  expect(report.table).toEqual({ n: N + N / 2, renamed: N, upserted: N, relabelled: N / 2 });
}, 300_000); // 100,000 rows three times over: ~40 s on TypeORM 1.x, ~75 s on 0.3, more on a busy machine
