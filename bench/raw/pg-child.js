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
      const { names, emails } = sourceUsers(start, Math.min(start + chunk - 1, config.n), usernameOf);
      rows += (await client.query(sql, [names, emails])).rowCount;
    }
    return { jobMs: now() - t0, rows };
  };
}

/** The n-th source user's fields, for the create and upsert paths: `usernameOf(n)` and `user<n>@example.com`. */
function sourceUsers(lo, hi, usernameOf) {
  const names = [];
  const emails = [];
  for (let n = lo; n <= hi; n++) {
    names.push(usernameOf(n));
    emails.push(`user${n}@example.com`);
  }
  return { names, emails };
}

/**
 * Forks one child per config (`file`, with `{ ...config, handshake: true }` as argv[2]), waits
 * until every child is connected and says ready, then starts them together: the job runs from
 * "go" to the last child's exit. Resolves to the job time and each child's result.
 */
async function forkAndGo(file, configs) {
  const { fork } = require("node:child_process");
  const children = configs.map((config) => {
    const child = fork(file, [JSON.stringify({ ...config, handshake: true })], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const ready = new Promise((resolve) => child.once("message", resolve));
    const done = new Promise((resolve, reject) =>
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("@@bench-result ")[1])) : reject(new Error(`child exited ${code}`)))),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  const t0 = now();
  for (const c of children) c.child.send("go");
  const results = await Promise.all(children.map((c) => c.done));
  return { jobMs: now() - t0, results };
}

/** A forked child (config.handshake): says it is ready, resolves on the parent's "go". */
function waitForGo() {
  return new Promise((resolve) => {
    process.once("message", (m) => m === "go" && resolve());
    process.send("ready");
  });
}

module.exports = { main, emit, now, userChunkJob, sourceUsers, forkAndGo, waitForGo };
