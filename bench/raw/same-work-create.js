"use strict";
// The create job as raw `pg` doing the runner's database work (see ledgered-chunks.js):
// per chunk of N new users, ONE INSERT … SELECT FROM unnest WITH ORDINALITY RETURNING the
// generated columns (key, defaults), and the inserted keys kept as the image.
const { ledgeredMethod, sourceRanges } = require("./ledgered-chunks");
const { sourceUsers } = require("./pg-child");

const INSERT =
  `INSERT INTO users AS t (username, email) SELECT v.username, v.email FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(username, email, ord) ` +
  `ORDER BY v.ord RETURNING t.id, t."isActive", t."updatedAt"`;

ledgeredMethod(
  __filename,
  async (_client, config) => sourceRanges(config.n, config.chunk || 1000),
  async (client, lo, hi) => {
    const { names, emails } = sourceUsers(lo, hi, (n) => `user${n}`);
    const returned = (await client.query(INSERT, [names, emails])).rows;
    return { rows: returned.length, image: { keys: ["id"], inserted: { keys: returned.map((r) => r.id) } } };
  },
);
