import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { exportsLikeTsc } from "./exports-like-tsc";

const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: "typescript", decorators: true, tsx: false },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: "es2022",
    keepClassNames: true,
  },
  module: { type: "commonjs", ignoreDynamic: true },
  sourceMaps: "inline",
  swcrc: false,
  configFile: false,
} as const;

/**
 * Bumped whenever what compile() does changes beyond swc's version and options, so that
 * output cached by an older runner is compiled again. 2: exports like tsc's (exports-like-tsc.ts).
 */
const COMPILE_REVISION = 2;

type Swc = typeof import("@swc/core");
let swc: Swc | undefined;

function compile(code: string, filename: string): string {
  swc ??= require("@swc/core") as Swc;
  const parser = { ...SWC_OPTIONS.jsc.parser, tsx: filename.endsWith(".tsx") };
  const output = swc.transformSync(code, { ...SWC_OPTIONS, jsc: { ...SWC_OPTIONS.jsc, parser }, filename } as never).code;
  // Circular imports between entity files must load as they do in the app's tsc build.
  return exportsLikeTsc(swc, output);
}

/**
 * The app's compile cache: `DATA_SCRIPT_CACHE_DIR` (`off` disables it), else
 * `node_modules/.cache/data-script` of the app (the nearest folder above the
 * working directory with a package.json and a node_modules), never a folder
 * inside the installed package or a shared temporary one. No cache without one.
 */
export function cacheDir(cwd = process.cwd()): string | undefined {
  const configured = process.env.DATA_SCRIPT_CACHE_DIR;
  if (configured) return configured === "off" ? undefined : configured;
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "node_modules"))) return join(dir, "node_modules", ".cache", "data-script");
    if (dirname(dir) === dir) return undefined;
  }
}

let salt: string | undefined;
let dir: string | null | undefined;

/** swc's output for a file, from the cache when this same source was compiled before. */
export function compileCached(code: string, filename: string): string {
  if (dir === undefined) dir = cacheDir() ?? null;
  if (!dir) return compile(code, filename);
  salt ??= `${COMPILE_REVISION}\0${require("@swc/core/package.json").version}\0${JSON.stringify(SWC_OPTIONS)}\0`;
  const key = createHash("sha1").update(salt).update(filename).update("\0").update(code).digest("hex");
  const file = join(dir, `${key}.js`);
  try {
    return readFileSync(file, "utf8");
  } catch {
    // not cached yet
  }
  const output = compile(code, filename);
  try {
    mkdirSync(dir, { recursive: true });
    // Write then rename: a worker compiling the same file at the same moment never reads half a file.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, output);
    renameSync(partial, file);
  } catch {
    // a read-only checkout still runs, only without the cache
  }
  return output;
}
