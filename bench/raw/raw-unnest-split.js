"use strict";
// (e) split over P processes (default 2): each child loads and writes its own half of
// the key range (by row count). The job time runs from "go" (both children
// connected) to the last child's last commit; process start-up is outside it.
const { join } = require("node:path");
const { main, forkAndGo } = require("./pg-child");

main(async (client, config) => {
  const processes = config.processes || 2;
  const fractions = Array.from({ length: processes - 1 }, (_, i) => (i + 1) / processes);
  const { rows } = await client.query(
    `SELECT min(id) AS lo, max(id) AS hi, percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY id) AS cuts FROM users`,
    [fractions],
  );
  const bounds = [rows[0].lo - 1, ...rows[0].cuts.map(Number), rows[0].hi];
  const configs = Array.from({ length: processes }, (_, i) => ({ url: config.url, chunk: config.chunk, lo: bounds[i] + 1, hi: bounds[i + 1] }));
  const { jobMs, results } = await forkAndGo(join(__dirname, "raw-unnest.js"), configs);
  return { jobMs, rows: results.reduce((s, r) => s + r.rows, 0), childJobMs: results.map((r) => r.jobMs) };
});
