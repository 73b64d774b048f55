"use strict";
// Upsert path, raw: N users by e-mail (half exist), `INSERT … SELECT FROM unnest(…)
// ON CONFLICT (email) DO UPDATE` per 1,000 rows.
const { main, now } = require("./pg-child");

const UPSERT =
  `INSERT INTO users (username, email) SELECT * FROM unnest($1::text[], $2::text[]) ` +
  `ON CONFLICT (email) DO UPDATE SET username = EXCLUDED.username, "updatedAt" = CURRENT_TIMESTAMP`;

main(async (client, config) => {
  const chunk = config.chunk || 1000;
  const t0 = now();
  let rows = 0;
  for (let start = 1; start <= config.n; start += chunk) {
    const names = [];
    const emails = [];
    for (let n = start; n < start + chunk && n <= config.n; n++) {
      names.push(`USER${n}`);
      emails.push(`user${n}@example.com`);
    }
    rows += (await client.query(UPSERT, [names, emails])).rowCount;
  }
  return { jobMs: now() - t0, rows };
});
