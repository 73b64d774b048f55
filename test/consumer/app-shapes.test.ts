import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../support/cli";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { LINES, npm, npmInstall, npx, packTarball, type Command } from "./support";

/**
 * The app shapes people have, each installed from the packed tarball in an app of its own, on
 * TypeORM 0.3 and 1.x: a production-like NestJS-style app (eight entity files that import each
 * other, decorator metadata, a uuid key that is also a join column, enum, text[], jsonb, bytea,
 * bigint; .env settings, globs, a naming strategy, `paths` and `baseUrl` imports,
 * noImplicitOverride), run from its .ts sources and from its own tsc build; an ESM app; a plain
 * JavaScript app; an npm workspaces monorepo. Each: new, a table-kind and a source-kind script,
 * run --pending, status, check, revert. Every app denies @swc/core's install script in
 * `allowScripts`: the compiler's binary comes from its optional platform package.
 */
const APPS = join(__dirname, "apps");
const BASE = ["pg@8", "reflect-metadata@0.2", "typescript@5", "@types/node@20"];

let tarball: string;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "ds-shapes-"));
  tarball = packTarball(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ok = (command: Command) => {
  if (command.code !== 0) expect({ code: command.code, out: command.out }).toEqual({ code: 0, out: "(the output of a command that succeeds)" });
};
const json = (command: Command) => {
  ok(command);
  return JSON.parse(command.stdout);
};

/** Installs an app's fixture into `dir` with the tarball and the line's typeorm; npm's warnings must not name @swc/core. */
function install(fixture: string, dir: string, spec: string, extra: string[] = [], where = dir, workspace?: string): void {
  cpSync(join(APPS, fixture), dir, { recursive: true });
  const printed = npmInstall(where, [...(workspace ? ["-w", workspace] : []), tarball, spec, ...BASE, ...extra]);
  // npm 11 lists each package whose install script allowScripts does not cover: `npm warn install-scripts   @swc/core@1.x (postinstall: …)`.
  expect(printed).not.toMatch(/^npm warn [\w-]*scripts\s+@swc\/core@/m);
}

/** `new` both scripts, then fills them in from the fixture's `fill/` folder; returns the scaffolded texts. */
function scaffold(scriptsDir: string, fill: string, ext: string, via: (args: string[]) => Command): string[] {
  const texts: string[] = [];
  for (const file of readdirSync(fill).filter((f) => f.endsWith(ext)).sort()) {
    const name = file.slice(0, -ext.length);
    const created = via(["new", name]);
    ok(created);
    const path = join(scriptsDir, file);
    texts.push(readFileSync(path, "utf8"));
    writeFileSync(path, readFileSync(join(fill, file), "utf8"));
  }
  return texts;
}

/** run --pending, status, check for the books apps (ESM, JavaScript, monorepo): every row once, both kinds. */
async function booksRun(db: TestDatabase, via: (args: string[]) => Command) {
  expect(json(via(["status", "--json"])).map((s: { status: string }) => s.status)).toEqual(["pending", "pending"]); // connecting synchronizes
  await db.query(`INSERT INTO authors (name) SELECT 'author ' || g FROM generate_series(1, 3) g`);
  await db.query(`INSERT INTO books (title, "authorId") SELECT 'book ' || g, 1 + g % 3 FROM generate_series(1, 450) g`);

  const run = json(via(["run", "--pending", "--json", "--workers", "2"]));
  expect(run.runs).toEqual([
    expect.objectContaining({ script: "2025-01-retitle-books", status: "completed", changed: 450 }),
    expect.objectContaining({ script: "2025-02-add-books", status: "completed", inserted: 300 }),
  ]);
  const [books] = await db.query<{ upper: string; added: string }>(
    `SELECT count(*) FILTER (WHERE title = upper(title) AND title LIKE 'BOOK %') upper, count(*) FILTER (WHERE title LIKE 'added %') added FROM books`,
  );
  expect(books).toEqual({ upper: "450", added: "300" });
  expect(json(via(["status", "--json"]))).toEqual([
    expect.objectContaining({ script: "2025-01-retitle-books", status: "completed", rowsChanged: 450 }),
    expect.objectContaining({ script: "2025-02-add-books", status: "completed" }),
  ]);
  expect(via(["check", "--json"]).code).toBe(0);

  for (const script of ["2025-02-add-books", "2025-01-retitle-books"]) ok(via(["revert", script, "--json"]));
  const [after] = await db.query<{ original: string; total: string }>(`SELECT count(*) FILTER (WHERE title LIKE 'book %') original, count(*) total FROM books`);
  expect(after).toEqual({ original: "450", total: "450" });
  expect(json(via(["status", "--json"])).map((s: { status: string }) => s.status)).toEqual(["reverted", "reverted"]);
}

describe.each(LINES)("on TypeORM $line", ({ spec }) => {
  describe("a NestJS-style app with a production schema", () => {
    let app: string;
    let db: TestDatabase;
    const writeEnv = (url: string) => {
      const u = new URL(url);
      const lines = [`DB_HOST=${u.hostname}`, `DB_PORT=${u.port || 5432}`, `DB_USER=${decodeURIComponent(u.username)}`, `DB_PASSWORD=${decodeURIComponent(u.password)}`, `DB_NAME=${u.pathname.slice(1)}`, "DB_SYNCHRONIZE=true"];
      writeFileSync(join(app, ".env"), lines.join("\n") + "\n");
    };
    const cli = (args: string[]) => npx(app, ["data-script", ...args], {});

    beforeAll(async () => {
      app = join(work, `real-${spec.replace(/\W/g, "-")}`);
      // typeorm-naming-strategies declares typeorm ^0.3 as its peer: an app on 1.x installs it past that, as such apps do.
      const past = spec === "typeorm@1" ? ["--legacy-peer-deps"] : [];
      install("real", app, spec, ["dotenv@16", "typeorm-naming-strategies@4", "zod@4", ...past]);
      db = await createTestDatabase("shapes_real");
      writeEnv(db.url);
    });
    afterAll(() => db?.drop());

    test("`new` writes `override` under noImplicitOverride; the scaffold and the README's script examples pass tsc --noEmit", () => {
      const texts = scaffold(join(app, "src/data-scripts"), join(app, "fill"), ".ts", cli);
      expect(texts[0]).toContain("override chunkSize");
      // The scaffold as written, before it is filled in.
      const fresh = join(app, "src/data-scripts/_fresh.ts");
      writeFileSync(fresh, texts[0]);
      const tsc = npx(app, ["tsc", "--noEmit", "-p", "."], {});
      rmSync(fresh);
      expect({ code: tsc.code, out: tsc.out }).toEqual({ code: 0, out: "" });

      // Every script example of the README (the files it quotes), with what they import, under this tsconfig.
      const readme = join(app, "readme");
      const blocks = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/<!-- file: ([^\s]+) -->\n```ts\n([\s\S]*?)```/g)];
      const examples = blocks.filter(([, , code]) => code.includes("extends DataScript"));
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const [, target, code] of examples) {
        mkdirSync(dirname(join(readme, target)), { recursive: true });
        writeFileSync(join(readme, target), code);
      }
      cpSync(join(ROOT, "entities"), join(readme, "entities"), { recursive: true });
      cpSync(join(ROOT, "test/fixtures/inputs/entities.ts"), join(readme, "test/fixtures/inputs/entities.ts"));
      cpSync(join(ROOT, "test/consumer/app/src/entities/account.ts"), join(readme, "app/entities/account.ts"));
      writeFileSync(
        join(readme, "tsconfig.json"),
        JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noEmit: true, rootDir: ".", baseUrl: ".", paths: { "@app/*": ["./app/*"] } }, include: ["**/*.ts"] }),
      );
      const examplesTsc = npx(app, ["tsc", "--noEmit", "-p", "readme"], {});
      expect({ code: examplesTsc.code, out: examplesTsc.out }).toEqual({ code: 0, out: "" });
    });

    async function seed() {
      await db.query(`INSERT INTO users (id, email, tags, credits) SELECT md5(g::text)::uuid, 'u' || g || '@example.com', ARRAY['early'], 9007199254740990 + g FROM generate_series(1, 400) g`);
      await db.query(`INSERT INTO profiles (user_id, settings) SELECT id, '{"theme": "light"}' FROM users`);
      await db.query(
        `INSERT INTO assets (owner_id, status, size_bytes) SELECT md5((1 + g % 400)::text)::uuid, (CASE WHEN g % 3 = 0 THEN 'archived' ELSE 'uploaded' END)::asset_status, g * 1000 FROM generate_series(1, 600) g`,
      );
    }

    async function runAll(flags: string[]) {
      const names = ["2025-01-normalize-asset-status", "2025-02-import-assets", "2025-03-tag-users", "2025-04-profile-defaults"];
      expect(json(cli(["status", "--json", ...flags])).map((s: { script: string; status: string }) => `${s.script}:${s.status}`)).toEqual(names.map((n) => `${n}:pending`));
      await seed();
      const run = json(cli(["run", "--pending", "--json", "--workers", "2", ...flags]));
      expect(run.runs.map((r: { script: string; status: string; changed: number; inserted: number }) => [r.script, r.status, r.changed, r.inserted])).toEqual([
        [names[0], "completed", 400, 0],
        [names[1], "completed", 0, 500],
        [names[2], "completed", 400, 0],
        [names[3], "completed", 400, 0],
      ]);
      const [assets] = await db.query(
        `SELECT count(*) FILTER (WHERE status = 'ready') ready,
                count(*) FILTER (WHERE status = 'uploaded') uploaded,
                count(*) FILTER (WHERE meta->>'source' = 'import' AND size_bytes = 9007199254740993 AND status = 'archived') imported
         FROM assets`,
      );
      expect(assets).toEqual({ ready: "400", uploaded: "0", imported: "500" });
      const [sizes] = await db.query(`SELECT sum(size_bytes)::text total FROM assets WHERE status = 'ready'`);
      // 400 of g·1000 (g not a multiple of 3, 1..600), doubled.
      expect(sizes.total).toBe(String(2 * 1000 * (180300 - 3 * (200 * 201) / 2)));
      const events = await db.query(`SELECT kind, count(*) n FROM asset_events GROUP BY 1 ORDER BY 1`);
      expect(events).toEqual([
        { kind: "insert", n: "500" },
        { kind: "update:status,sizeBytes", n: "400" },
      ]);
      const [users] = await db.query(
        `SELECT count(*) FILTER (WHERE tags = ARRAY['early', 'verified']) tagged, min(credits)::text low, max(credits)::text top FROM users`,
      );
      // Past 2^53, one more each: exact (bigint as a string, never a float).
      expect(users).toEqual({ tagged: "400", low: "9007199254740992", top: "9007199254741391" });
      const [profiles] = await db.query(`SELECT count(*) FILTER (WHERE settings = '{"theme": "dark"}' AND avatar = '\\x000102ff'::bytea) n FROM profiles`);
      expect(profiles.n).toBe("400");

      expect(json(cli(["status", "--json", ...flags])).map((s: { status: string }) => s.status)).toEqual(["completed", "completed", "completed", "completed"]);
      expect(cli(["check", "--json", ...flags]).code).toBe(0);

      for (const name of [...names].reverse()) ok(cli(["revert", name, "--json", ...flags]));
      const [reverted] = await db.query(
        `SELECT (SELECT count(*) FROM assets WHERE status = 'uploaded') uploaded, (SELECT count(*) FROM assets) assets,
                (SELECT count(*) FROM users WHERE tags = ARRAY['early']) users, (SELECT count(*) FROM profiles WHERE avatar IS NULL AND settings = '{"theme": "light"}') profiles`,
      );
      expect(reverted).toEqual({ uploaded: "400", assets: "600", users: "400", profiles: "400" });
    }

    test("from its .ts sources: `run --pending` (the package.json key) runs the four scripts, status and check agree, revert restores", async () => {
      await runAll([]);
    });

    test("from its own tsc build (-d dist/src/data-source.js --scripts dist/src/data-scripts, globbed entities)", async () => {
      npm(app, ["run", "build"]); // throws if the app's own build fails
      await db.drop();
      db = await createTestDatabase("shapes_real_dist");
      writeEnv(db.url);
      await runAll(["-d", "dist/src/data-source.js", "--scripts", "dist/src/data-scripts"]);
    });
  });

  describe("an ESM app (type module, NodeNext, ./x.js imports, a named AppDataSource)", () => {
    let app: string;
    let db: TestDatabase;
    const cli = (args: string[]) => npx(app, ["data-script", ...args], { APP_DATABASE_URL: db.url });
    beforeAll(async () => {
      app = join(work, `esm-${spec.replace(/\W/g, "-")}`);
      install("esm", app, spec);
      db = await createTestDatabase("shapes_esm");
    });
    afterAll(() => db?.drop());

    test("new writes the .js suffix; the scripts run, status, check, revert", async () => {
      const texts = scaffold(join(app, "src/data-scripts"), join(app, "fill"), ".ts", cli);
      expect(texts[0]).toContain(`// import { User } from "../entities/User.js";`);
      const tsc = npx(app, ["tsc", "--noEmit", "-p", "."], {});
      expect({ code: tsc.code, out: tsc.out }).toEqual({ code: 0, out: "" });
      await booksRun(db, cli);
    });
  });

  describe("a plain JavaScript CommonJS app (data-source.js, scripts in .js)", () => {
    let app: string;
    let db: TestDatabase;
    const cli = (args: string[]) => npx(app, ["data-script", ...args], { APP_DATABASE_URL: db.url });
    beforeAll(async () => {
      app = join(work, `js-${spec.replace(/\W/g, "-")}`);
      install("js", app, spec);
      db = await createTestDatabase("shapes_js");
    });
    afterAll(() => db?.drop());

    test("new writes a CommonJS .js script; the scripts run, status, check, revert", async () => {
      const texts = scaffold(join(app, "data-scripts"), join(app, "fill"), ".js", cli);
      expect(texts[0]).toContain("module.exports = class RetitleBooks extends DataScript {");
      await booksRun(db, cli);
    });
  });

  describe("an npm workspaces monorepo with the app in apps/api", () => {
    let root: string;
    let api: string;
    let db: TestDatabase;
    const env = () => ({ APP_DATABASE_URL: db.url });
    beforeAll(async () => {
      root = join(work, `mono-${spec.replace(/\W/g, "-")}`);
      api = join(root, "apps/api");
      cpSync(join(APPS, "esm/src"), join(api, "src"), { recursive: true });
      install("monorepo", root, spec, [], root, "apps/api");
      db = await createTestDatabase("shapes_mono");
    });
    afterAll(() => db?.drop());

    test("new and run from apps/api, status and check from the root (npm exec -w apps/api), revert from the root", async () => {
      const fromApi = (args: string[]) => npx(api, ["data-script", ...args], env());
      const fromRoot = (args: string[]) => npx(root, ["-w", "apps/api", "--", "data-script", ...args], env());
      scaffold(join(api, "src/data-scripts"), join(APPS, "esm/fill"), ".ts", fromApi);
      // Both ways reach the same app: the first half of the run from apps/api, the rest from the root.
      expect(json(fromRoot(["status", "--json"])).map((s: { status: string }) => s.status)).toEqual(["pending", "pending"]);
      let turn = 0;
      await booksRun(db, (args) => (turn++ % 2 === 0 ? fromApi(args) : fromRoot(args)));
    });
  });
});
