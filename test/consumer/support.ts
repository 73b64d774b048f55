import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/cli";

/** Shared by the consumer tests: the package packed as npm publishes it, apps that install it, commands as a user types them. */

/** The two TypeORM lines every consumer app is installed with, from the registry. */
export const LINES = [
  { line: "0.3", spec: "typeorm@0.3" },
  { line: "1.x", spec: "typeorm@1" },
];

/** `npm pack` of the repository into `dir`; the tarball's path. */
export function packTarball(dir: string): string {
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1)!;
  return join(dir, packed);
}

/** A bin of the repository's own dev dependencies. */
export function bin(pkg: string, name = pkg): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8"));
  const path = typeof manifest.bin === "string" ? manifest.bin : manifest.bin[name];
  return join(ROOT, "node_modules", pkg, path);
}

export function npm(cwd: string, args: string[]): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "error" }, maxBuffer: 64 * 1024 * 1024 });
}

/** `npm install` in an app, from the npm cache where it can; what npm printed (its warnings included). */
export function npmInstall(cwd: string, packages: string[]): string {
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packages], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "warn" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`npm install failed in ${cwd}:\n${result.stderr}`);
  return result.stdout + result.stderr;
}

export interface Command {
  code: number | null;
  stdout: string;
  out: string;
}

/** `npx <args>` in the app, with only the app's own environment: no CI, no DATABASE_URL of the test run. */
export function npx(cwd: string, args: string[], extraEnv: Record<string, string>): Command {
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv, CI: undefined, DATABASE_URL: undefined, FORCE_COLOR: "0" };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const result = spawnSync("npx", ["--no-install", ...args], { cwd, encoding: "utf8", env: env as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, out: (result.stdout + result.stderr).trim() };
}

/** The test database as an app's data source takes it: fields, not a URL. */
export function databaseFields(url: string, prefix = "APP_DB_"): Record<string, string> {
  const parsed = new URL(url);
  return {
    [`${prefix}HOST`]: parsed.hostname,
    [`${prefix}PORT`]: parsed.port || "5432",
    [`${prefix}USER`]: decodeURIComponent(parsed.username),
    [`${prefix}PASSWORD`]: decodeURIComponent(parsed.password),
    [`${prefix}NAME`]: parsed.pathname.slice(1),
  };
}

/** Every installed typeorm package under a node_modules tree. */
export function typeormCopies(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".")) continue;
      const path = join(dir, name);
      if (name.startsWith("@")) {
        visit(path);
        continue;
      }
      if (name === "typeorm") found.push(path);
      visit(join(path, "node_modules"));
    }
  };
  visit(nodeModules);
  return found;
}
