"use strict";
// (e) split over P processes (default 2): each child loads and writes its own half of
// the key range (by row count). The job time runs from "go" (both children
// connected) to the last child's last commit; process start-up is outside it.
const { fork } = require("node:child_process");
const { join } = require("node:path");
const { main, now } = require("./pg-child");

main(async (client, config) => {
  const processes = config.processes || 2;
  const fractions = Array.from({ length: processes - 1 }, (_, i) => (i + 1) / processes);
  const { rows } = await client.query(
    `SELECT min(id) AS lo, max(id) AS hi, percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY id) AS cuts FROM users`,
    [fractions],
  );
  const bounds = [rows[0].lo - 1, ...rows[0].cuts.map(Number), rows[0].hi];
  const children = [];
  for (let i = 0; i < processes; i++) {
    const child = fork(join(__dirname, "raw-unnest.js"), [
      JSON.stringify({ url: config.url, chunk: config.chunk, lo: bounds[i] + 1, hi: bounds[i + 1], handshake: true }),
    ], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const ready = new Promise((resolve) => child.once("message", resolve));
    const done = new Promise((resolve, reject) =>
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("@@bench-result ")[1])) : reject(new Error(`child exited ${code}`)))),
    );
    children.push({ child, ready, done });
  }
  await Promise.all(children.map((c) => c.ready));
  const t0 = now();
  for (const c of children) c.child.send("go");
  const results = await Promise.all(children.map((c) => c.done));
  const jobMs = now() - t0;
  return { jobMs, rows: results.reduce((s, r) => s + r.rows, 0), childJobMs: results.map((r) => r.jobMs) };
});
