// Child-process entry for the Tinypool pool. Plain CommonJS so Tinypool can
// import it; it registers the TypeScript loader (swc, with decorator metadata)
// before loading the worker, the data-source file and the script.
"use strict";
require("../register-typescript");

// A worker whose parent died (SIGKILL) exits at once; its open transaction rolls back.
process.on("disconnect", () => process.exit(70));

module.exports = require("./chunk-worker.ts");
