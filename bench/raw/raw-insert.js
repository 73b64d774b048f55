"use strict";
// Create path, raw: N new users, `INSERT … SELECT * FROM unnest(…)` per 1,000 rows.
const { main, userChunkJob } = require("./pg-child");

const INSERT = `INSERT INTO users (username, email) SELECT * FROM unnest($1::text[], $2::text[])`;

main(userChunkJob(INSERT, (n) => `user${n}`));
