"use strict";
// (e′) The update job as raw `pg` doing the runner's database work (see ledgered-chunks.js):
// chunks planned by key like the runner's, each child loads its chunk's whole rows (every
// column, as subscribers get them), writes ONE UPDATE … FROM unnest bounded by the key
// range RETURNING the update date, and keeps the usernames before and after as the image.
const { ledgeredMethod } = require("./ledgered-chunks");

const PLAN = `SELECT min(id)::int AS lo, max(id)::int AS hi FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $1 AS b FROM users) s GROUP BY b ORDER BY b`;
const LOAD = `SELECT id, username, email, "isActive", "updatedAt" FROM users WHERE id BETWEEN $1 AND $2 ORDER BY id`;
const UPDATE =
  `UPDATE users AS t SET username = v.username, "updatedAt" = CURRENT_TIMESTAMP ` +
  `FROM unnest($1::int[], $2::text[]) AS v(id, username) WHERE t.id = v.id AND t.id BETWEEN $3 AND $4 RETURNING t.id, t."updatedAt"`;

ledgeredMethod(
  __filename,
  async (client, config) => (await client.query(PLAN, [config.chunk || 1000])).rows.map((r) => [r.lo, r.hi]),
  async (client, lo, hi) => {
    const loaded = (await client.query(LOAD, [lo, hi])).rows;
    const ids = new Array(loaded.length);
    const before = new Array(loaded.length);
    const after = new Array(loaded.length);
    for (let i = 0; i < loaded.length; i++) {
      ids[i] = loaded[i].id;
      before[i] = loaded[i].username;
      after[i] = before[i].toUpperCase();
    }
    const returned = await client.query(UPDATE, [ids, after, lo, hi]);
    const byId = new Map(loaded.map((row) => [row.id, row]));
    for (const row of returned.rows) byId.get(row.id).updatedAt = row.updatedAt; // read back, as the runner does
    return { rows: returned.rowCount, image: { keys: ["id"], updated: { keys: ids, before: { username: before }, after: { username: after } } } };
  },
);
