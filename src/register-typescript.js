// Compiles TypeScript on require() with swc: the runner's own sources, the
// data-source file, the entities and the scripts, in the CLI and in every
// worker. Legacy decorators with emitted metadata, as TypeORM entities need
// (`@Column() name: string` reads its type from design:type). Nothing else is
// loaded (no TypeScript compiler, no tsconfig lookup), so each process starts
// quickly. With --verbose (or DATA_SCRIPT_SOURCE_MAPS=1), stack traces point at
// the .ts lines through inline source maps; off by default, because Node then
// also reads every dependency's .js.map (about 0.15 s per process for TypeORM).
"use strict";
const { addHook } = require("pirates");
const { transformSync } = require("@swc/core");

const OPTIONS = {
  jsc: {
    parser: { syntax: "typescript", decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: "es2022",
    keepClassNames: true,
  },
  module: { type: "commonjs", ignoreDynamic: true },
  sourceMaps: "inline",
  swcrc: false,
  configFile: false,
};

if (!require.extensions[".ts"]) {
  if (process.argv.includes("--verbose")) process.env.DATA_SCRIPT_SOURCE_MAPS = "1"; // inherited by the workers
  if (process.env.DATA_SCRIPT_SOURCE_MAPS === "1") process.setSourceMapsEnabled(true);
  addHook((code, filename) => transformSync(code, { ...OPTIONS, filename }).code, {
    exts: [".ts", ".cts", ".mts", ".tsx"],
    ignoreNodeModules: true,
  });
}
