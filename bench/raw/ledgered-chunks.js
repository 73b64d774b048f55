"use strict";
// The runner's database work, done with plain `pg`: the floor for what the runner
// promises (whole rows for subscribers, exactly-once chunks, before-images), so the
// bench can tell what of the runner's time is that work and what is its JavaScript.
//
// Per chunk, the statements the runner sends (its own ledger tables replaced by
// bench_raw_* ones of the same shape): START TRANSACTION; claim the next pending
// chunk (FOR UPDATE SKIP LOCKED, timeouts set in the same statement); SAVEPOINT;
// the chunk's own statements (`work`); INSERT the before-image (jsonb); mark the
// chunk done; INSERT one counter row (what the counting subscriber writes); COMMIT.
// The parent plans the chunks and forks `processes` children that pull them, as
// the runner's workers do; the job runs from "go" to the last child's last commit.
const { main, now, forkAndGo, waitForGo } = require("./pg-child");

const SETUP = [
  `CREATE TABLE IF NOT EXISTS bench_raw_chunks (chunk_no int PRIMARY KEY, lo bigint NOT NULL, hi bigint NOT NULL,
     status text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0, rows int, pid int, saved_at timestamptz)`,
  `CREATE TABLE IF NOT EXISTS bench_raw_undo (id bigserial PRIMARY KEY, chunk_no int NOT NULL, image jsonb NOT NULL, rows int NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS bench_raw_counts (id bigserial PRIMARY KEY, pid int NOT NULL, events int NOT NULL)`,
  `TRUNCATE bench_raw_chunks, bench_raw_undo, bench_raw_counts`,
];

const CLAIM = `WITH next AS (SELECT chunk_no, lo, hi FROM bench_raw_chunks WHERE status = 'pending' ORDER BY chunk_no FOR UPDATE SKIP LOCKED LIMIT 1)
  SELECT set_config('lock_timeout', '5000ms', true) AS lock_timeout, set_config('statement_timeout', '60000ms', true) AS statement_timeout,
         next.chunk_no, next.lo::int AS lo, next.hi::int AS hi
  FROM (SELECT 1) AS one LEFT JOIN next ON true`;
const SAVE_UNDO = `INSERT INTO bench_raw_undo (chunk_no, image, rows) VALUES ($1, $2::jsonb, $3)`;
const MARK_DONE = `UPDATE bench_raw_chunks SET status = 'done', attempts = attempts + 1, rows = $2, pid = $3, saved_at = now() WHERE chunk_no = $1 RETURNING chunk_no`;
const COUNT = `INSERT INTO bench_raw_counts (pid, events) VALUES ($1, $2)`;

/**
 * A variant's flags (config.variant, joined by "+"): lz4 (the image column's compression), nosp (no savepoint),
 * fastdate (timestamptz parsed by the runner's own parser, dist/worker/timestamptz-parser.js, instead of node-pg's).
 */
function variantFlags(config) {
  return new Set(String(config.variant || "").split("+").filter(Boolean));
}

/**
 * Child: pulls chunks until none is left; `work(client, lo, hi, chunkNo)` returns { rows, image }, or
 * { rows, saved: true } when its own statement kept the image and marked the chunk (or { rows, imageSaved: true }: the image only; no image: none kept).
 */
async function pullChunks(client, work, flags) {
  let rows = 0;
  for (;;) {
    await client.query("START TRANSACTION");
    const [claimed] = (await client.query(CLAIM)).rows;
    if (claimed.chunk_no === null) {
      await client.query("ROLLBACK");
      return rows;
    }
    if (!flags.has("nosp")) await client.query("SAVEPOINT data_script_attempt");
    const done = await work(client, claimed.lo, claimed.hi, claimed.chunk_no);
    if (!done.saved && !done.imageSaved && done.image) await client.query(SAVE_UNDO, [claimed.chunk_no, JSON.stringify(done.image), done.rows]);
    if (!done.saved) await client.query(MARK_DONE, [claimed.chunk_no, done.rows, process.pid]);
    await client.query(COUNT, [process.pid, done.rows]);
    await client.query("COMMIT");
    rows += done.rows;
  }
}

/**
 * The method's process: as parent it plans the chunks from `plan(client, config)`
 * ([lo, hi] pairs), forks the children and times them; as a child it runs `work` on pulled chunks.
 */
function ledgeredMethod(file, plan, work) {
  main(async (client, config) => {
    if (config.handshake) {
      if (variantFlags(config).has("fastdate")) require("../../dist/worker/timestamptz-parser.js").installTimestamptzParser();
      await waitForGo();
      const t0 = now();
      const rows = await pullChunks(client, (c, lo, hi, chunkNo) => work(c, lo, hi, chunkNo, variantFlags(config)), variantFlags(config));
      return { jobMs: now() - t0, rows };
    }
    for (const sql of SETUP) await client.query(sql);
    // The runner's ledger keeps images lz4-compressed where the server has lz4 (src/ledger/schema.ts).
    await client.query(`ALTER TABLE bench_raw_undo ALTER COLUMN image SET COMPRESSION ${variantFlags(config).has("lz4") ? "lz4" : "pglz"}`);
    const ranges = await plan(client, config);
    await client.query(`INSERT INTO bench_raw_chunks (chunk_no, lo, hi) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[])`, [
      ranges.map((_, i) => i + 1),
      ranges.map((r) => r[0]),
      ranges.map((r) => r[1]),
    ]);
    const { jobMs, results } = await forkAndGo(file, Array.from({ length: config.processes || 2 }, () => config));
    return { jobMs, rows: results.reduce((s, r) => s + r.rows, 0), childJobMs: results.map((r) => r.jobMs) };
  });
}

/** Chunks of `chunk` consecutive numbers 1..n (the create and upsert paths' source rows). */
function sourceRanges(n, chunk) {
  const ranges = [];
  for (let lo = 1; lo <= n; lo += chunk) ranges.push([lo, Math.min(lo + chunk - 1, n)]);
  return ranges;
}

module.exports = { ledgeredMethod, sourceRanges };
