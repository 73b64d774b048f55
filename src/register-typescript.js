// Compiles TypeScript on require() with swc: the runner's own sources, the
// data-source file, the entities and the scripts, in the CLI and in every
// worker. Legacy decorators with emitted metadata, as TypeORM entities need
// (`@Column() name: string` reads its type from design:type). Nothing else is
// loaded (no TypeScript compiler, no tsconfig lookup), so each process starts
// quickly. With --verbose (or DATA_SCRIPT_SOURCE_MAPS=1), stack traces point at
// the .ts lines through inline source maps; off by default, because Node then
// also reads every dependency's .js.map (about 0.15 s per process for TypeORM).
//
// Compiled files are kept in node_modules/.cache/data-script (keyed by a hash of
// the source, its path, swc's version and these options), so a process whose
// files are all cached does not load swc at all: the CLI and each worker compile
// the same ~50 files on every run otherwise.
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } = require("node:fs");
const { join } = require("node:path");
const { addHook } = require("pirates");

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

const PACKAGE_ROOT = join(__dirname, "..");
// Only under this package's own node_modules (never a shared temporary folder); no cache when it is absent.
const CACHE_DIR =
  process.env.DATA_SCRIPT_CACHE_DIR ||
  (existsSync(join(PACKAGE_ROOT, "node_modules")) ? join(PACKAGE_ROOT, "node_modules", ".cache", "data-script") : "");
const CACHE_SALT = `${require("@swc/core/package.json").version}\0${JSON.stringify(OPTIONS)}\0`;

let swc;
function compile(code, filename) {
  swc ??= require("@swc/core");
  return swc.transformSync(code, { ...OPTIONS, filename }).code;
}

function compileCached(code, filename) {
  if (!CACHE_DIR || CACHE_DIR === "off") return compile(code, filename);
  const key = createHash("sha1").update(CACHE_SALT).update(filename).update("\0").update(code).digest("hex");
  const file = join(CACHE_DIR, `${key}.js`);
  try {
    return readFileSync(file, "utf8");
  } catch {
    // not cached yet
  }
  const output = compile(code, filename);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Write then rename: a worker compiling the same file at the same moment never reads half a file.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, output);
    renameSync(partial, file);
  } catch {
    // a read-only checkout still runs, only without the cache
  }
  return output;
}

if (!require.extensions[".ts"]) {
  if (process.argv.includes("--verbose")) process.env.DATA_SCRIPT_SOURCE_MAPS = "1"; // inherited by the workers
  if (process.env.DATA_SCRIPT_SOURCE_MAPS === "1") process.setSourceMapsEnabled(true);
  addHook(compileCached, { exts: [".ts", ".cts", ".mts", ".tsx"], ignoreNodeModules: true });
}
