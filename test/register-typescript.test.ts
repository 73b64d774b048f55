import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REGISTER } from "./support/cli";

// The TypeScript hook every runner process loads: compiled files are cached, and a
// process whose files are all cached runs without loading swc.

const HOOK = REGISTER;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ds-hook-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string, cacheDir: string) {
  const probe = `require(${JSON.stringify(file)}); console.log(JSON.stringify({ swcLoaded: Object.keys(require.cache).some((p) => /@swc.core.index\\.js$/.test(p)) }))`;
  const result = spawnSync(process.execPath, ["-r", HOOK, "-e", probe], { encoding: "utf8", env: { ...process.env, DATA_SCRIPT_CACHE_DIR: cacheDir } });
  expect(result.stderr).toBe("");
  const lines = result.stdout.trim().split("\n");
  return { printed: lines.slice(0, -1), ...JSON.parse(lines[lines.length - 1]) };
}

test("compiles decorated TypeScript once; later processes reuse it without loading swc; an edit is compiled again", () => {
  const cache = join(dir, "cache");
  const file = join(dir, "entity.ts");
  const source = (label: string) => `
    function Mark(): PropertyDecorator { return (target, key) => console.log(String(key), Reflect.getMetadata?.("design:type", target, key)?.name ?? "no-metadata"); }
    require(${JSON.stringify(require.resolve("reflect-metadata"))});
    class Thing { @Mark() name: string; }
    console.log(${JSON.stringify(label)} as string);
  `;
  writeFileSync(file, source("first"));

  const cold = run(file, cache);
  expect(cold).toEqual({ printed: ["name String", "first"], swcLoaded: true });
  expect(readdirSync(cache).filter((f) => f.endsWith(".js"))).toHaveLength(1);

  const warm = run(file, cache);
  expect(warm).toEqual({ printed: ["name String", "first"], swcLoaded: false });

  writeFileSync(file, source("edited"));
  expect(run(file, cache)).toEqual({ printed: ["name String", "edited"], swcLoaded: true });
  expect(readdirSync(cache).filter((f) => f.endsWith(".js"))).toHaveLength(2);
});

test("DATA_SCRIPT_CACHE_DIR=off compiles every time and writes nothing", () => {
  const file = join(dir, "plain.ts");
  writeFileSync(file, `const n: number = 2; console.log(n * 21);`);
  expect(run(file, "off")).toEqual({ printed: ["42"], swcLoaded: true });
  expect(run(file, "off")).toEqual({ printed: ["42"], swcLoaded: true });
  expect(readdirSync(dir)).toEqual(["plain.ts"]);
});
