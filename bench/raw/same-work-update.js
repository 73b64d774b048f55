"use strict";
// (e′) The update job as raw `pg` doing the runner's database work (see ledgered-chunks.js):
// chunks planned by key like the runner's, each child loads its chunk's whole rows (every
// column, as subscribers get them), writes ONE UPDATE … FROM unnest bounded by the key
// range RETURNING the update date, and keeps the usernames before and after as the image.
//
// `config.variant` (flags joined by "+") measures changes to those statements:
//   lit   the image as the runner keeps it (src/undo/undo-image.ts: one array literal per column in jsonb),
//         and the UPDATE's parameters sent as array literals (as the runner sends them);
//   lz4   the image column lz4-compressed (the runner's ledger, where the server has lz4);
//   nosp  no SAVEPOINT (no subtransaction per chunk);
//   cte   the image kept by the UPDATE's own statement (WITH u AS (UPDATE … RETURNING) INSERT …):
//         "after" from the UPDATE's parameters, "before" from the loaded values; one round trip less;
//   mark  the chunk's ledger mark in that statement too; another round trip less;
//   imgmark  the UPDATE alone, then the image's INSERT and the chunk's mark in one statement (a CTE);
//   noimg  no before-image at all (what `--no-undo` drops);
//   retid  RETURNING the key only (the update date is the transaction's: one now() per chunk instead);
//   noret  no RETURNING (the row count only);
//   narrow the chunk loaded as the raw split loads it (key and username only) and nothing RETURNed:
//         what whole rows and the read-back cost.
const { ledgeredMethod } = require("./ledgered-chunks");

const PLAN = `SELECT min(id)::int AS lo, max(id)::int AS hi FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $1 AS b FROM users) s GROUP BY b ORDER BY b`;
const LOAD = `SELECT id, username, email, "isActive", "updatedAt" FROM users WHERE id BETWEEN $1 AND $2 ORDER BY id`;
const NARROW_LOAD = `SELECT id, username FROM users WHERE id BETWEEN $1 AND $2 ORDER BY id`;
const SET_FROM =
  `UPDATE users AS t SET username = v.username, "updatedAt" = CURRENT_TIMESTAMP ` +
  `FROM unnest($1::int[], $2::text[]) AS v(id, username) WHERE t.id = v.id AND t.id BETWEEN $3 AND $4 RETURNING t.id, t."updatedAt"`;
const UPDATE = SET_FROM;
const NARROW_UPDATE = SET_FROM.slice(0, SET_FROM.indexOf(" RETURNING"));
const KEY_ONLY_UPDATE = `${NARROW_UPDATE} RETURNING t.id`;

// $1 keys and $2 values as literals (text, cast for unnest), $5 chunk, $6 "before" literal, $7 rows in the image.
const IMAGE = `jsonb_build_object('entity', 'User', 'keys', jsonb_build_array('id'), 'updated', jsonb_build_object(
  'keys', jsonb_build_array($1::text), 'columns', jsonb_build_array('username'), 'before', jsonb_build_array($6::text),
  'after', jsonb_build_array($2::text), 'wrote', jsonb_build_array(NULL)))`;
const CTE_UPDATE = `UPDATE users AS t SET username = v.username, "updatedAt" = CURRENT_TIMESTAMP
  FROM unnest($1::text::int[], $2::text::text[]) AS v(id, username) WHERE t.id = v.id AND t.id BETWEEN $3 AND $4 RETURNING t.id, t."updatedAt"`;
const UPDATE_AND_IMAGE = `WITH u AS (${CTE_UPDATE}),
  img AS (INSERT INTO bench_raw_undo (chunk_no, image, rows) VALUES ($5, ${IMAGE}, $7))
  SELECT id, "updatedAt" FROM u`;
const UPDATE_IMAGE_MARK = `WITH u AS (${CTE_UPDATE}),
  img AS (INSERT INTO bench_raw_undo (chunk_no, image, rows) VALUES ($5, ${IMAGE}, $7)),
  m AS (UPDATE bench_raw_chunks SET status = 'done', attempts = attempts + 1, rows = $7, pid = $8, saved_at = now() WHERE chunk_no = $5 RETURNING chunk_no)
  SELECT id, "updatedAt", (SELECT count(*) FROM m)::int AS marked FROM u`;

const IMAGE_AND_MARK = `WITH img AS (INSERT INTO bench_raw_undo (chunk_no, image, rows) VALUES ($1, $2::jsonb, $3))
  UPDATE bench_raw_chunks SET status = 'done', attempts = attempts + 1, rows = $3, pid = $4, saved_at = now() WHERE chunk_no = $1 RETURNING chunk_no`;

/** The image as the runner keeps it: per column an array literal. */
function literalImage(keys, before, values) {
  return { entity: "User", keys: ["id"], updated: { keys: [keys], columns: ["username"], before: [literal(before)], after: [values], wrote: [null] } };
}

/** A PostgreSQL array literal of plain strings or numbers (the runner's arrayLiteral, common case). */
function literal(values) {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const v = values[i];
    out += typeof v === "number" ? `"${v}"` : `"${v.replace(/[\\"]/g, "\\$&")}"`;
  }
  return out + "}";
}

ledgeredMethod(
  __filename,
  async (client, config) => (await client.query(PLAN, [config.chunk || 1000])).rows.map((r) => [r.lo, r.hi]),
  async (client, lo, hi, chunkNo, flags) => {
    const narrow = flags.has("narrow");
    const loaded = (await client.query(narrow ? NARROW_LOAD : LOAD, [lo, hi])).rows;
    const ids = new Array(loaded.length);
    const before = new Array(loaded.length);
    const after = new Array(loaded.length);
    for (let i = 0; i < loaded.length; i++) {
      ids[i] = loaded[i].id;
      before[i] = loaded[i].username;
      after[i] = before[i].toUpperCase();
    }
    const lit = flags.has("lit") || flags.has("cte");
    const keys = lit ? literal(ids) : ids;
    const values = lit ? literal(after) : after;
    let returned;
    let saved = false;
    if (flags.has("mark")) {
      returned = await client.query(UPDATE_IMAGE_MARK, [keys, values, lo, hi, chunkNo, literal(before), loaded.length, process.pid]);
      saved = true;
    } else if (flags.has("cte")) {
      returned = await client.query(UPDATE_AND_IMAGE, [keys, values, lo, hi, chunkNo, literal(before), loaded.length]);
    } else {
      const sql = narrow || flags.has("noret") ? NARROW_UPDATE : flags.has("retid") ? KEY_ONLY_UPDATE : UPDATE;
      returned = await client.query(sql, [keys, values, lo, hi]);
    }
    if (flags.has("retid")) {
      const { rows: [{ at }] } = await client.query("SELECT CURRENT_TIMESTAMP AS at");
      for (const row of returned.rows) row.updatedAt = at;
    }
    const byId = new Map(loaded.map((row) => [row.id, row]));
    for (const row of returned.rows) byId.get(row.id).updatedAt = row.updatedAt; // read back, as the runner does
    if (flags.has("noimg")) return { rows: returned.rowCount };
    if (flags.has("cte")) return { rows: returned.rowCount, saved, imageSaved: true };
    if (flags.has("imgmark")) {
      await client.query(IMAGE_AND_MARK, [chunkNo, JSON.stringify(literalImage(keys, before, values)), returned.rowCount, process.pid]);
      return { rows: returned.rowCount, saved: true };
    }
    const image = lit
      ? literalImage(keys, before, values)
      : { keys: ["id"], updated: { keys: ids, before: { username: before }, after: { username: after } } };
    return { rows: returned.rowCount, image };
  },
);
