import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism, cpus, getPriority, release, totalmem } from "node:os";
import type { Client } from "pg";

export interface Machine {
  lines: string[];
}

function version(pkg: string): string {
  try {
    // Read the file: some packages (typeorm) don't export ./package.json.
    return JSON.parse(readFileSync(join(__dirname, "..", "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
}

/** The code the runner ran: the last commit that changed it, and "+dirty" when src/, entities/ or bin/ have uncommitted changes. */
export function codeVersion(): string {
  const dirty = git(["status", "--porcelain", "--", "src", "entities", "bin"]);
  return `${git(["log", "-1", "--format=%h", "--", "src", "entities", "bin"])}${dirty ? "+dirty" : ""}`;
}

/** What the numbers were measured on: cores, memory, PostgreSQL and its settings, versions, the code's commit. */
export async function describeMachine(db: Client, server: string): Promise<Machine> {
  const settings = await db.query<{ name: string; setting: string; unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings
     WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'max_wal_size', 'work_mem', 'checkpoint_timeout')
     ORDER BY name`,
  );
  const pgVersion = (await db.query<{ v: string }>(`SELECT version() AS v`)).rows[0].v.split(" on ")[0];
  const cpu = cpus();
  const commit = git(["rev-parse", "--short", "HEAD"]);
  const dirty = git(["status", "--porcelain", "--", "src", "entities", "bin"]);
  return {
    lines: [
      `- CPU: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), availableParallelism() = ${availableParallelism()}`,
      `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      `- ${pgVersion}, ${server}, on loopback; settings: ${settings.rows.map((r) => `${r.name}=${r.setting}${r.unit ?? ""}`).join(", ")}`,
      `- Node ${process.version}, Linux ${release()}; typeorm ${version("typeorm")}, @mikro-orm/core ${version("@mikro-orm/core")}, pg ${version("pg")}, tinypool ${version("tinypool")}`,
      `- the bench ran at nice ${getPriority()}${getPriority() < 0 ? " (raised priority: other work shared the machine; PostgreSQL's backends ran at their usual priority)" : ""}`,
      `- code: HEAD ${commit}; src/, entities/, bin/ last changed in ${codeVersion()}${dirty ? " (uncommitted changes there: other work in progress in the same tree)" : ""}`,
    ],
  };
}
