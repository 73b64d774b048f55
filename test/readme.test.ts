import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REGISTER, ROOT, runCli } from "./support/cli";
import { createTestDatabase, type TestDatabase } from "./support/database";

/**
 * The README cannot drift from the code: a code block marked
 * `<!-- file: <path> -->` is that file of the repository, word for word (and
 * the tests that run the file run it), and a block marked `<!-- run: <name> -->`
 * is executed here as a program of the demo app.
 */
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const MARKED = /<!-- (file|run): ([^\s]+) -->\n```\w*\n([\s\S]*?)```/g;
const blocks = [...README.matchAll(MARKED)].map(([, kind, target, code]) => ({ kind, target, code }));

test("the README marks its examples (the demo's two scripts, the app example, the API example)", () => {
  expect(blocks.map((b) => `${b.kind}:${b.target}`)).toEqual(
    expect.arrayContaining(["file:test/consumer/bump-balances.ts", "file:scripts/2024-rename-users.ts", "file:scripts/2024-create-users.ts", "run:api-example"]),
  );
});

test.each(blocks.filter((b) => b.kind === "file").map((b) => [b.target, b.code]))("the README's %s is the file itself", (target, code) => {
  expect(code).toBe(readFileSync(join(ROOT, target), "utf8"));
});

describe("the README's programs run against the demo app", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("readme");
    const seeded = await runCli(["2024-create-users", "--workers", "1", "--no-progress", "--param", "count=2000"], { env: { DATABASE_URL: db.url } });
    expect(seeded.code).toBe(0);
  });
  afterAll(() => db.drop());

  test("the API example: a dry run of the rename through runScript, summary printed, exit 0", () => {
    const { code } = blocks.find((b) => b.target === "api-example")!;
    const dir = join(ROOT, ".tmp");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "readme-api-example.ts");
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, ["-r", REGISTER, file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DATABASE_URL: db.url } });
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("2024-rename-users: dry run completed (rolled back, nothing saved)");
    expect(run.stdout).toContain("would change: username ×2000");
    // A dry run saves nothing: its processes ran chunks.
    expect(run.stdout).toMatch(/\d+ process(es)? ran chunks/);
    expect(run.stdout).not.toContain("saved chunks");
    expect(run.status).toBe(0);
  });
});
