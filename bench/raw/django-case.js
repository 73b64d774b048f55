"use strict";
// (d) What Django's bulk_update(objs, ["username"], batch_size=1000) sends: per batch
// `UPDATE … SET username = CASE WHEN id = … THEN … END WHERE id IN (…)`, three bind
// parameters per row, all batches in one transaction (Django wraps them in atomic()).
const { main, now } = require("./pg-child");

const SELECT = `SELECT id, username FROM users WHERE id > $1 ORDER BY id LIMIT $2`;

function caseUpdate(batch) {
  const params = [];
  const whens = [];
  const ins = [];
  for (const row of batch) {
    params.push(row.id, row.username.toUpperCase());
    whens.push(`WHEN ("users"."id" = $${params.length - 1}) THEN $${params.length}::varchar`);
  }
  for (const row of batch) {
    params.push(row.id);
    ins.push(`$${params.length}`);
  }
  const sql =
    `UPDATE "users" SET "username" = CASE ${whens.join(" ")} ELSE NULL END, "updatedAt" = CURRENT_TIMESTAMP ` +
    `WHERE "users"."id" IN (${ins.join(", ")})`;
  return { sql, params };
}

main(async (client, config) => {
  const chunk = config.chunk || 1000;
  const t0 = now();
  let rows = 0;
  let last = -2147483648;
  await client.query("BEGIN");
  for (;;) {
    const batch = (await client.query(SELECT, [last, chunk])).rows;
    if (!batch.length) break;
    const { sql, params } = caseUpdate(batch);
    rows += (await client.query(sql, params)).rowCount;
    last = batch[batch.length - 1].id;
  }
  await client.query("COMMIT");
  return { jobMs: now() - t0, rows };
});
