#!/usr/bin/env node
"use strict";
// The runner ships compiled (dist/); only the app's own .ts files are compiled on load.
require("../dist/cli/main.js")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    // Let stdout drain; don't wait on stray handles from user code.
    setTimeout(() => process.exit(code), 1_000).unref();
  });
