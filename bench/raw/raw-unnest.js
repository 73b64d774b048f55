"use strict";
// (e) Raw `UPDATE … FROM unnest` with pg: per 1,000-row chunk, load the rows (keyset),
// compute upper(username) in JavaScript, write them in ONE statement bounded by the
// chunk's key range. The limit for values computed in the client.
// Also the "bare node script doing (e)": `node bench/raw/raw-unnest.js '{"url":…}'`.
// Forked by raw-unnest-split.js with {lo, hi, handshake}: connects, says ready, waits for go.
const { main, now, waitForGo } = require("./pg-child");

const SELECT = `SELECT id, username FROM users WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`;
const UPDATE =
  `UPDATE users AS t SET username = v.username, "updatedAt" = CURRENT_TIMESTAMP ` +
  `FROM unnest($1::int[], $2::text[]) AS v(id, username) WHERE t.id = v.id AND t.id BETWEEN $3 AND $4`;

async function updateRange(client, lo, hi, chunk) {
  let last = lo - 1;
  let rows = 0;
  for (;;) {
    const batch = (await client.query(SELECT, [last, hi, chunk])).rows;
    if (!batch.length) return rows;
    const ids = new Array(batch.length);
    const names = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      ids[i] = batch[i].id;
      names[i] = batch[i].username.toUpperCase();
    }
    last = ids[ids.length - 1];
    rows += (await client.query(UPDATE, [ids, names, ids[0], last])).rowCount;
  }
}

main(async (client, config) => {
  const lo = config.lo ?? -2147483647;
  const hi = config.hi ?? 2147483647;
  if (config.handshake) await waitForGo();
  const t0 = now();
  const rows = await updateRange(client, lo, hi, config.chunk || 1000);
  return { jobMs: now() - t0, rows };
});
