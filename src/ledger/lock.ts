import type { Sql } from "./sql";

/**
 * One run per script at a time: a session-level advisory lock, held by the
 * parent's ledger connection for the whole run and released when it closes
 * (also when the process is killed).
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
