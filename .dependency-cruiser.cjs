/**
 * The architecture, as rules (test/architecture.test.ts runs them):
 * - src/runtime/ is the parent side, src/worker/ the child side; they meet only
 *   in src/messages.ts (the worker is started by file name, never imported);
 * - the shared parts (bulk SQL, ledger, database, script, settings, typescript, undo, inputs)
 *   import neither side, nor the CLI or the report formatters;
 * - src/cli/ is a client of the public entry, src/index.ts, and nothing else;
 * - no import cycle anywhere.
 */
const SHARED = "^src/(bulk|ledger|database|script|settings|typescript|undo|inputs)/";
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: { path: "^src/" }, to: { circular: true } },
    {
      name: "parent-not-into-child",
      comment: "src/runtime (parent) must not import src/worker (child): only src/messages.ts is shared",
      severity: "error",
      from: { path: "^src/runtime/" },
      to: { path: "^src/worker/" },
    },
    {
      name: "child-not-into-parent",
      comment: "src/worker (child) must not import src/runtime (parent): only src/messages.ts is shared",
      severity: "error",
      from: { path: "^src/worker/" },
      to: { path: "^src/(runtime|report|cli)/" },
    },
    {
      name: "messages-are-neutral",
      comment: "src/messages.ts is imported by both sides and imports neither",
      severity: "error",
      from: { path: "^src/messages\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "shared-parts-are-shared",
      comment: "bulk, ledger, database, script, settings, typescript, undo and inputs serve both sides and import neither",
      severity: "error",
      from: { path: SHARED },
      to: { path: "^src/(runtime|worker|cli|report)/" },
    },
    {
      name: "cli-uses-the-public-api",
      comment: "src/cli imports nothing from src/ but the public entry",
      severity: "error",
      from: { path: "^src/cli/" },
      to: { path: "^src/", pathNot: "^src/(cli/|index\\.ts$)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.build.json" },
    tsPreCompilationDeps: true,
  },
};
