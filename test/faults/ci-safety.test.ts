import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli";
import { faultsCli } from "./support";

/**
 * The embedded server is a development default: under CI, a data source that
 * names no database (a deploy job that lost its secret) must fail with exit 2
 * and say what to set, and start nothing. --embedded asks for it explicitly.
 */
describe("CI set, DATABASE_URL unset, a data source that names no database", () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ds-ci-"));
    env = { CI: "true", DATABASE_URL: undefined, PGHOST: undefined, DATA_SCRIPT_EMBEDDED_DIR: join(dir, "pg") };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([["run", "--pending"], ["touch"], ["status"], ["check"]])("`%s %s` exits 2 naming what to set, and starts nothing", async (...args) => {
    const result = await faultsCli(null, args.filter(Boolean), { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no database configured");
    expect(result.stderr).toContain("set DATABASE_URL");
    expect(result.stderr).toContain("--embedded");
    expect(result.stderr).not.toContain("embedded PostgreSQL started");
    expect(existsSync(env.DATA_SCRIPT_EMBEDDED_DIR!)).toBe(false);
  });

  test("with --embedded, `run --pending` runs on the embedded server (the demo app: both scripts complete)", async () => {
    const result = await runCli(["run", "--pending", "--embedded", "--workers", "1", "--no-progress", "--param", "count=500"], { env });
    expect(result.stderr).toMatch(/embedded PostgreSQL started on port \d+/);
    expect(result.stderr).toContain("2024-create-users: completed");
    expect(result.stderr).toContain("2024-rename-users: completed");
    expect(result.code).toBe(0);
  });
});
