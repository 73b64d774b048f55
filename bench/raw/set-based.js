"use strict";
// (f) The floor: one set-based statement, nothing computed in the client.
const { main, now } = require("./pg-child");

main(async (client) => {
  const t0 = now();
  const { rowCount } = await client.query(`UPDATE users SET username = upper(username), "updatedAt" = CURRENT_TIMESTAMP`);
  return { jobMs: now() - t0, rows: rowCount };
});
