import type { Sql } from "./sql";

/**
 * The script's mutex: a session-level advisory lock taken to decide how an
 * invocation starts (skip, join, resume, start), held by the first
 * participant while it plans the run, and by whoever finalises it. Released
 * when the session closes, also when its process is killed.
 */
export async function tryLockScript(sql: Sql, script: string): Promise<boolean> {
  const [row] = await sql<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(hashtext('data-script'), hashtext($1)) AS locked`,
    [script],
  );
  return row.locked;
}

export async function unlockScript(sql: Sql, script: string): Promise<void> {
  await sql(`SELECT pg_advisory_unlock(hashtext('data-script'), hashtext($1))`, [script]);
}
