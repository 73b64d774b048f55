/**
 * Compiles the app's own TypeScript on require() with swc: its data-source
 * file, entities, subscribers and data scripts, in the CLI and in every worker.
 * The runner itself is shipped compiled and never goes through this hook (nor
 * does anything under node_modules).
 *
 * Legacy decorators with emitted metadata, as TypeORM entities need
 * (`@Column() name: string` reads its type from design:type). No TypeScript
 * compiler is loaded; the app's tsconfig is read only for its `paths` aliases
 * (resolve-paths.ts). Stack traces map to .ts lines only when source maps are
 * enabled (--verbose): Node then also reads every dependency's .js.map.
 *
 * Compiled files are cached under the app (compile-cache.ts), so a process
 * whose files are all cached never loads swc.
 */
import Module from "node:module";
import { addHook } from "pirates";
import { compileCached } from "./compile-cache";
import { installResolver } from "./resolve-paths";

const EXTENSIONS = [".ts", ".cts", ".mts", ".tsx"];

let registered = false;

/** Idempotent: the CLI, the loaders and every worker call it before requiring an app file. */
export function registerTypeScript(): void {
  if (registered) return;
  registered = true;
  // Inside a module sandbox (jest, vitest), whose `require` is not Node's, the sandbox compiles
  // and resolves on its own; hooking Node's loader from there would reach the test runner itself.
  if (require.extensions !== (Module as unknown as { _extensions: unknown })._extensions) return;
  // Under ts-node, tsx… another loader already compiles .ts: leave it in charge.
  if (!require.extensions[".ts"]) addHook(compileCached, { exts: EXTENSIONS, ignoreNodeModules: true });
  installResolver(EXTENSIONS);
}
