import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../support/cli";

/**
 * The dashboard costs a run nothing when it is not open: importing the package
 * (what every command, the CLI's run included, does) loads none of its code;
 * the first call of createDashboardHandler does.
 */
test("importing the package loads no dashboard module; createDashboardHandler loads them on first call", () => {
  const probe = `
    const before = Object.keys(require.cache).length;
    const api = require(${JSON.stringify(join(ROOT, "dist", "index.js"))});
    require(${JSON.stringify(join(ROOT, "dist", "cli", "main.js"))});
    const dashboard = () => Object.keys(require.cache).filter((f) => f.includes("/dist/dashboard/")).map((f) => f.split("/dist/")[1]).sort();
    const onImport = dashboard();
    api.createDashboardHandler({ dataSource: "ormconfig.ts", scripts: "scripts" }).close();
    console.log(JSON.stringify({ onImport, onCall: dashboard().length }));
  `;
  const result = spawnSync(process.execPath, ["-e", probe], { cwd: ROOT, encoding: "utf8" });
  expect(result.stderr).toBe("");
  const { onImport, onCall } = JSON.parse(result.stdout);
  expect(onImport).toEqual(["dashboard/lazy.js"]);
  expect(onCall).toBeGreaterThan(8);
});
