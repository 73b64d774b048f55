"use strict";
// Create path, raw: N new users, `INSERT … SELECT * FROM unnest(…)` per 1,000 rows.
const { main, now } = require("./pg-child");

const INSERT = `INSERT INTO users (username, email) SELECT * FROM unnest($1::text[], $2::text[])`;

main(async (client, config) => {
  const chunk = config.chunk || 1000;
  const t0 = now();
  let rows = 0;
  for (let start = 1; start <= config.n; start += chunk) {
    const names = [];
    const emails = [];
    for (let n = start; n < start + chunk && n <= config.n; n++) {
      names.push(`user${n}`);
      emails.push(`user${n}@example.com`);
    }
    rows += (await client.query(INSERT, [names, emails])).rowCount;
  }
  return { jobMs: now() - t0, rows };
});
