"use strict";
// Create path, plain pg only (not a runner method): N new users written per chunk either as
//   unnest  INSERT INTO users (username, email) SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id
//   copy-onebuffer  the same COPY, the chunk encoded by hand into one buffer (what the protocol costs
//           without pg-copy-streams-binary's per-row objects and stream chunks)
//   copy    COPY a temporary table FROM STDIN (FORMAT binary) (pg-copy-streams + pg-copy-streams-binary),
//           then INSERT INTO users (username, email) SELECT … FROM it RETURNING id
// one transaction per chunk (as the runner's chunks), for chunks of 1,000, 10,000 and 50,000 rows,
// interleaved (unnest, copy, unnest, copy …), each from an empty table. Its own database, dropped after.
//   node bench/raw/copy-create.js '{"url":"postgres://postgres@127.0.0.1:5432/test","n":1000000,"reps":3}'
const { Client } = require("pg");
const { from: copyFrom } = require("pg-copy-streams");
const { rowWriter } = require("pg-copy-streams-binary");
const { pipeline } = require("node:stream/promises");
const { sourceUsers, now } = require("./pg-child");

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, username varchar NOT NULL, email varchar NOT NULL,
  "isActive" boolean NOT NULL DEFAULT true, "updatedAt" timestamptz NOT NULL DEFAULT now())`;
const UNNEST = `INSERT INTO users (username, email) SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id`;
const STAGE = `CREATE TEMP TABLE copy_stage (username text, email text) ON COMMIT DELETE ROWS`;
const FROM_STAGE = `INSERT INTO users (username, email) SELECT username, email FROM copy_stage RETURNING id`;

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** The chunk in COPY's binary format, built in one buffer: header, per row 2 fields (int32 length + UTF-8), trailer. */
function binaryCopy(names, emails) {
  let size = SIGNATURE.length + 8 + 2;
  for (let i = 0; i < names.length; i++) size += 2 + 8 + Buffer.byteLength(names[i]) + Buffer.byteLength(emails[i]);
  const buf = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(buf, 0);
  at = buf.writeInt32BE(0, at);
  at = buf.writeInt32BE(0, at);
  for (let i = 0; i < names.length; i++) {
    at = buf.writeInt16BE(2, at);
    for (const text of [names[i], emails[i]]) {
      const length = buf.write(text, at + 4);
      buf.writeInt32BE(length, at);
      at += 4 + length;
    }
  }
  buf.writeInt16BE(-1, at);
  return buf;
}

async function writeChunk(client, mode, names, emails) {
  await client.query("BEGIN");
  let rows;
  if (mode === "unnest") rows = (await client.query(UNNEST, [names, emails])).rowCount;
  else if (mode === "copy-onebuffer") {
    const stream = client.query(copyFrom("COPY copy_stage (username, email) FROM STDIN (FORMAT binary)"));
    const done = new Promise((resolve, reject) => stream.on("finish", resolve).on("error", reject));
    stream.end(binaryCopy(names, emails));
    await done;
    rows = (await client.query(FROM_STAGE)).rowCount;
  } else {
    const writer = rowWriter();
    const done = pipeline(writer, client.query(copyFrom("COPY copy_stage (username, email) FROM STDIN (FORMAT binary)")));
    for (let i = 0; i < names.length; i++) writer.write([{ type: "text", value: names[i] }, { type: "text", value: emails[i] }]);
    writer.end();
    await done;
    rows = (await client.query(FROM_STAGE)).rowCount;
  }
  await client.query("COMMIT");
  return rows;
}

async function job(client, mode, n, chunk) {
  await client.query("TRUNCATE users RESTART IDENTITY");
  await client.query("CHECKPOINT");
  const t0 = now();
  let rows = 0;
  for (let lo = 1; lo <= n; lo += chunk) {
    const { names, emails } = sourceUsers(lo, Math.min(lo + chunk - 1, n), (i) => `user${i}`);
    rows += await writeChunk(client, mode, names, emails);
  }
  const ms = now() - t0;
  if (rows !== n) throw new Error(`${mode}: ${rows} rows, expected ${n}`);
  return ms;
}

async function main() {
  const config = JSON.parse(process.argv[2] || "{}");
  const n = config.n || 1_000_000;
  const reps = config.reps || 3;
  const chunks = config.chunks || [1000, 10000, 50000];
  const server = new URL(config.url || process.env.DATABASE_URL);
  const dbName = "ds_dbwork_copy";
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  server.pathname = `/${dbName}`;
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(USERS);
    await client.query(STAGE);
    for (let rep = 1; rep <= reps; rep++)
      for (const chunk of chunks)
        for (const mode of ["unnest", "copy", "copy-onebuffer"]) {
          const ms = await job(client, mode, n, chunk);
          console.log(JSON.stringify({ chunk, rep, mode, n, s: +(ms / 1000).toFixed(3) }));
        }
  } finally {
    await client.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
