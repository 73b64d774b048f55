"use strict";
// Upsert path, raw: N users by e-mail (half exist), `INSERT … SELECT FROM unnest(…)
// ON CONFLICT (email) DO UPDATE` per 1,000 rows.
const { main, userChunkJob } = require("./pg-child");

const UPSERT =
  `INSERT INTO users (username, email) SELECT * FROM unnest($1::text[], $2::text[]) ` +
  `ON CONFLICT (email) DO UPDATE SET username = EXCLUDED.username, "updatedAt" = CURRENT_TIMESTAMP`;

main(userChunkJob(UPSERT, (n) => `USER${n}`));
