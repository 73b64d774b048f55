import { getTsconfig } from "get-tsconfig";
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";

/** How the app writes its code, so that `data-script new` writes a script the app's own tools accept. */
export interface AppStyle {
  /** TypeScript when the app has a tsconfig or a .ts data source; plain JavaScript otherwise. */
  language: "ts" | "js";
  /** `"type": "module"` in the app's package.json: ESM imports, with the `.js` suffix NodeNext wants. */
  esm: boolean;
  /** The tsconfig sets `noImplicitOverride`: members of DataScript are redeclared with `override`. */
  override: boolean;
}

export function detectAppStyle(scriptsDir: string, dataSource: string): AppStyle {
  const tsconfig = getTsconfig(scriptsDir);
  const pkg = nearestPackage(scriptsDir);
  // A tsconfig above the app's own folder (a monorepo's, a home directory's) does not make a JavaScript app TypeScript.
  const ownTsconfig = !!tsconfig && (!pkg || !relative(pkg.dir, tsconfig.path).startsWith(".."));
  const jsDataSource = [".js", ".cjs", ".mjs"].includes(extname(dataSource));
  return {
    language: jsDataSource && !ownTsconfig ? "js" : "ts",
    esm: pkg?.type === "module",
    override: tsconfig?.config.compilerOptions?.noImplicitOverride === true,
  };
}

function nearestPackage(from: string): { dir: string; type?: string } | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        return { dir, type: JSON.parse(readFileSync(file, "utf8")).type };
      } catch {
        return { dir };
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
