"use strict";
// The upsert job as raw `pg` doing the runner's database work (see ledgered-chunks.js):
// per chunk, lock and load the existing rows by e-mail (whole rows, in key order), ONE
// INSERT … ON CONFLICT DO UPDATE RETURNING the generated columns and whether each row
// was inserted; the image keeps the updated rows' usernames before and the inserted keys.
const { ledgeredMethod, sourceRanges } = require("./ledgered-chunks");
const { sourceUsers } = require("./pg-child");

const LOCK = `SELECT id, username, email, "isActive", "updatedAt" FROM users WHERE email = ANY($1::text[]) ORDER BY email FOR UPDATE`;
const UPSERT =
  `INSERT INTO users AS t (username, email) SELECT v.username, v.email FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(username, email, ord) ` +
  `ORDER BY v.ord ON CONFLICT (email) DO UPDATE SET username = EXCLUDED.username, "updatedAt" = CURRENT_TIMESTAMP ` +
  `RETURNING t.id, t."isActive", t."updatedAt", (t.xmax = 0) AS inserted`;

ledgeredMethod(
  __filename,
  async (_client, config) => sourceRanges(config.n, config.chunk || 1000),
  async (client, lo, hi) => {
    const { names, emails } = sourceUsers(lo, hi, (n) => `USER${n}`);
    const existing = (await client.query(LOCK, [emails])).rows;
    const returned = (await client.query(UPSERT, [names, emails])).rows;
    const inserted = returned.filter((r) => r.inserted).map((r) => r.id);
    const image = { keys: ["id"], updated: { keys: existing.map((r) => r.id), before: { username: existing.map((r) => r.username) } }, inserted: { keys: inserted } };
    return { rows: returned.length, image };
  },
);
