#!/usr/bin/env node
"use strict";
// TypeScript (entities with decorator metadata, scripts, the data-source file) is compiled on the fly by swc.
require("../src/register-typescript");
require("../src/cli/cli.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    // Let stdout drain; don't wait on stray handles from user code.
    setTimeout(() => process.exit(code), 1_000).unref();
  });
