import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { REGISTER, ROOT } from "./support/cli";

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

describe("entity files that import each other (emitDecoratorMetadata)", () => {
  // Nearly every TypeORM app: `@ManyToOne(() => User) owner: User` in one file and
  // `@OneToMany(() => Asset, …) assets: Asset[]` in the other. The app's tsc build loads them
  // (its `design:type` of a class not yet exported reads undefined → Object); so must the hook.
  const ENTITIES: Record<string, string> = {
    "user.ts": `
      import { Column, Entity, OneToMany, OneToOne, PrimaryColumn } from "typeorm";
      import { Asset } from "./asset";
      import { Profile } from "./profile";
      export class Address { @Column({ nullable: true }) city!: string; }
      @Entity("users")
      export class User {
        @PrimaryColumn("uuid") id!: string;
        @OneToMany(() => Asset, (asset) => asset.owner) assets!: Asset[];
        @OneToOne(() => Profile, (profile) => profile.user) profile!: Profile;
        @Column(() => Address) address!: Address;
      }
      export class Plain {}
    `,
    "asset.ts": `
      import { Entity, ManyToOne, PrimaryColumn } from "typeorm";
      import { User } from "./user";
      @Entity("assets")
      export class Asset {
        @PrimaryColumn("uuid") id!: string;
        @ManyToOne(() => User, (user) => user.assets) owner!: User;
      }
    `,
    "profile.ts": `
      import { Entity, JoinColumn, OneToOne, PrimaryColumn } from "typeorm";
      import { Plain, User } from "./user";
      @Entity("profiles")
      export class Profile {
        @PrimaryColumn("uuid") userId!: string;
        @OneToOne(() => User, (user) => user.profile) @JoinColumn({ name: "userId" }) user!: User;
        // Read while user.ts is still loading: tsc's build sees undefined here, not an error.
        static plainSeenWhileLoading = typeof Plain;
      }
    `,
  };
  // What each class's relation properties carry as design:type, and the relation targets TypeORM resolves.
  const PROBE = (ext: string) => `
    require("reflect-metadata");
    const { User } = require("./user${ext}");
    const { Asset } = require("./asset${ext}");
    const { Profile } = require("./profile${ext}");
    const type = (cls, key) => Reflect.getMetadata("design:type", cls.prototype, key)?.name;
    const relations = require("typeorm").getMetadataArgsStorage().relations
      .map((r) => r.target.name + "." + r.propertyName + "->" + r.type().name).sort();
    console.log(JSON.stringify({
      designTypes: { "Asset.owner": type(Asset, "owner"), "User.assets": type(User, "assets"), "User.profile": type(User, "profile"), "Profile.user": type(Profile, "user") },
      plainSeenWhileLoading: Profile.plainSeenWhileLoading,
      relations,
    }));
  `;

  let app: string;
  beforeAll(() => {
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    app = mkdtempSync(join(ROOT, ".tmp", "circular-"));
    for (const [file, source] of Object.entries(ENTITIES)) writeFileSync(join(app, file), source);
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  function probe(args: string[], ext: string) {
    const result = spawnSync(process.execPath, [...args, "-e", PROBE(ext)], { cwd: app, encoding: "utf8", env: { ...process.env, DATA_SCRIPT_CACHE_DIR: "off" } });
    expect(result.stderr).toBe("");
    return JSON.parse(result.stdout);
  }

  test("load through the hook without `Cannot access … before initialization`, with the metadata tsc's CommonJS build gives", () => {
    const hooked = probe(["-r", HOOK], ".ts");
    expect(hooked).toEqual({
      // The first file of the cycle sees the second's classes undefined while it loads: Object, as with tsc.
      designTypes: { "Asset.owner": "Object", "User.assets": "Array", "User.profile": "Profile", "Profile.user": "Object" },
      plainSeenWhileLoading: "undefined",
      relations: ["Asset.owner->User", "Profile.user->User", "User.assets->Asset", "User.profile->Profile"],
    });

    // The same files compiled by tsc (CommonJS, emitDecoratorMetadata) and run without the hook.
    const out = join(app, "tsc-out");
    const program = ts.createProgram(Object.keys(ENTITIES).map((f) => join(app, f)), {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
      skipLibCheck: true,
      types: [],
      outDir: out,
    });
    expect(program.emit().emitSkipped).toBe(false);
    const built = spawnSync(process.execPath, ["-e", PROBE(".js")], { cwd: out, encoding: "utf8" });
    expect(built.stderr).toBe("");
    // tsc writes the import itself as design:type (undefined while the cycle loads), swc its
    // `typeof X === "undefined" ? Object : X`: TypeORM reads both as "not a Promise" (not lazy).
    expect(JSON.parse(built.stdout)).toEqual({
      ...hooked,
      designTypes: { ...hooked.designTypes, "Asset.owner": undefined, "Profile.user": undefined },
    });
  });
});
