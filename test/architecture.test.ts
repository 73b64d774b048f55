import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./support/cli";

/**
 * The folders keep their jobs (.dependency-cruiser.cjs states the rules): no
 * import cycle in src/; the parent side (src/runtime) and the child side
 * (src/worker) meet only in src/messages.ts; the shared parts import neither
 * side; src/cli imports nothing from src/ but the public entry.
 */
test("src/ has no import cycle and keeps its layers (dependency-cruiser)", () => {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"), "src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
    { cwd: ROOT, encoding: "utf8" },
  );
  expect(result.stdout + result.stderr).toContain("no dependency violations found");
  expect(result.status).toBe(0);
});
