"use strict";
// Plain-JS side of a raw method: no TypeScript loader, no ORM — only `pg`, so a
// raw method's process start-up is as small as a Node script's can be.
const { Client } = require("pg");

/** Prints the method's result where the bench looks for it. */
function emit(result) {
  process.stdout.write(`@@bench-result ${JSON.stringify(result)}\n`);
}

function now() {
  return performance.now();
}

/** Reads the JSON config (argv[2]), connects, runs `job(client, config)`, prints its result. */
function main(job) {
  const config = JSON.parse(process.argv[2] || "{}");
  const client = new Client({ connectionString: config.url || process.env.DATABASE_URL });
  client
    .connect()
    .then(() => job(client, config))
    .then(
      async (result) => {
        await client.end();
        result.maxRssMb = process.resourceUsage().maxRSS / 1024;
        emit(result);
      },
      async (error) => {
        await client.end().catch(() => undefined);
        console.error(error && error.stack ? error.stack : String(error));
        process.exitCode = 1;
      },
    );
}

/**
 * A job that writes users 1..N, `config.chunk` (1,000) per statement: `sql` takes
 * ($1 usernames, $2 e-mails) as text arrays; `usernameOf(n)` makes the n-th username.
 */
function userChunkJob(sql, usernameOf) {
  return async (client, config) => {
    const chunk = config.chunk || 1000;
    const t0 = now();
    let rows = 0;
    for (let start = 1; start <= config.n; start += chunk) {
      const names = [];
      const emails = [];
      for (let n = start; n < start + chunk && n <= config.n; n++) {
        names.push(usernameOf(n));
        emails.push(`user${n}@example.com`);
      }
      rows += (await client.query(sql, [names, emails])).rowCount;
    }
    return { jobMs: now() - t0, rows };
  };
}

module.exports = { main, emit, now, userChunkJob };
