import { createPathsMatcher, getTsconfig } from "get-tsconfig";
import Module from "node:module";
import { dirname, extname } from "node:path";

/**
 * Resolves what an app's TypeScript imports the way tsc does, inside the app's
 * own .ts files only:
 * - tsconfig `paths` aliases (`@app/entities/user`), from the tsconfig nearest
 *   to the importing file (get-tsconfig reads `extends` chains too);
 * - NodeNext-style imports that name the emitted file (`./user.js` for
 *   `user.ts`).
 * Everything else resolves as Node resolves it.
 */
type Resolve = (request: string, parent: NodeModule | undefined, isMain: boolean, options?: unknown) => string;
type Matcher = ((specifier: string) => string[]) | null;

const JS_TO_TS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".jsx": [".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };
const tsconfigCache = new Map<string, unknown>();
const matchers = new Map<string, Matcher>();

let installed = false;

export function installResolver(tsExtensions: string[]): void {
  if (installed) return;
  installed = true;
  const moduleInternals = Module as unknown as { _resolveFilename: Resolve };
  const resolve = moduleInternals._resolveFilename;
  const isAppTypeScript = (parent: NodeModule | undefined) =>
    !!parent?.filename && tsExtensions.includes(extname(parent.filename)) && !parent.filename.includes("/node_modules/");

  moduleInternals._resolveFilename = function resolveAppImport(request, parent, isMain, options) {
    if (!isAppTypeScript(parent)) return resolve.call(this, request, parent, isMain, options);
    const bare = !request.startsWith(".") && !request.startsWith("/");
    if (bare) {
      for (const candidate of matcherFor(parent!.filename)?.(request) ?? []) {
        const found = tryResolve(candidate);
        if (found) return found;
      }
    }
    try {
      return resolve.call(this, request, parent, isMain, options);
    } catch (error) {
      const alternatives = bare ? [] : tsAlternatives(request);
      for (const alternative of alternatives) {
        try {
          return resolve.call(this, alternative, parent, isMain, options);
        } catch {
          // try the next extension
        }
      }
      throw error;
    }

    function tryResolve(candidate: string): string | undefined {
      for (const path of [candidate, ...tsAlternatives(candidate)]) {
        try {
          return resolve.call(moduleInternals, path, parent, isMain, options);
        } catch {
          // not this one
        }
      }
      return undefined;
    }
  };
}

function tsAlternatives(request: string): string[] {
  const ext = extname(request);
  return (JS_TO_TS[ext] ?? []).map((ts) => request.slice(0, -ext.length) + ts);
}

function matcherFor(file: string): Matcher {
  const dir = dirname(file);
  let matcher = matchers.get(dir);
  if (matcher === undefined) {
    const tsconfig = getTsconfig(dir, "tsconfig.json", tsconfigCache as Map<string, never>);
    matcher = tsconfig ? createPathsMatcher(tsconfig) : null;
    matchers.set(dir, matcher);
  }
  return matcher;
}
