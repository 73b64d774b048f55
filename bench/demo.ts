import { rmSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { startEmbeddedPostgres } from "../src/database/embedded-postgres";
import type { CheckResult } from "./seed";

/**
 * The README's main job, `npm run demo` (create N users, then rename them all,
 * the demo's audit subscriber, the default worker count), run as a new user
 * runs it: on the embedded server from an empty data folder (DATABASE_URL
 * unset), and on the bench's server in an empty database, in the same bench run.
 */
export const DEMO_DATABASE = "ds_bench_demo";
/** The embedded server's data folder for these runs (never the developer's own .data/postgres). */
export const DEMO_EMBEDDED_DIR = ".data/bench-demo-postgres";

export function demoDatabaseUrl(benchUrl: string): string {
  const url = new URL(benchUrl);
  url.pathname = `/${DEMO_DATABASE}`;
  return url.toString();
}

/** Both starting points empty: a fresh database on the bench's server, no embedded data folder (its first initdb is part of the command). */
export async function resetDemo(db: Client, root: string): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`);
  await db.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  rmSync(join(root, DEMO_EMBEDDED_DIR), { recursive: true, force: true });
}

/** N users, all renamed, and 2N audit rows (one per insert, one per update), wherever the run wrote them. */
export async function verifyDemo(benchUrl: string, embedded: boolean, root: string, n: number): Promise<CheckResult & { auditRows: number }> {
  const server = embedded ? await startEmbeddedPostgres(join(root, DEMO_EMBEDDED_DIR)) : undefined;
  const client = new Client({ connectionString: server?.url ?? demoDatabaseUrl(benchUrl) });
  try {
    await client.connect();
    const { rows } = await client.query<{ total: number; upper: number; audit: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE username = upper(username))::int AS upper,
              (SELECT count(*)::int FROM user_audit) AS audit FROM users`,
    );
    const { total, upper, audit } = rows[0];
    return { ok: total === n && upper === n && audit === 2 * n, detail: `${total} users, ${upper} renamed, ${audit} audit rows (want ${n}, ${n}, ${2 * n})`, auditRows: audit };
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
  }
}
