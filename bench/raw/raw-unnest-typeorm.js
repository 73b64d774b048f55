"use strict";
// (e) as a TypeORM app's own script would start: the same bare script after loading
// `typeorm` (and reflect-metadata), which every process of a TypeORM app loads. The
// whole-command table compares the runner with it, to tell our start-up from TypeORM's.
require("reflect-metadata");
require("typeorm");
require("./raw-unnest");
