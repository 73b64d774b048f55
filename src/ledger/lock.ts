import type { Sql } from "./sql";

/**
 * The script's mutex: a session-level advisory lock taken to decide how an
 * invocation starts (skip, join, resume, start), held by the first
 * participant while it plans the run, and by whoever finalises it. Released
 * when the session closes, also when its process is killed. Keyed by the namespace and the
 * script: two apps' scripts of one name do not block each other. (A runner from before namespaces
 * keyed it by the name alone: do not run an old and a new version of the runner on one script at once.)
 */
export async function tryLockScript(sql: Sql, namespace: string, script: string): Promise<boolean> {
  const [row] = await sql<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(hashtext('data-script'), hashtext($1)) AS locked`,
    [lockKey(namespace, script)],
  );
  return row.locked;
}

export async function unlockScript(sql: Sql, namespace: string, script: string): Promise<void> {
  await sql(`SELECT pg_advisory_unlock(hashtext('data-script'), hashtext($1))`, [lockKey(namespace, script)]);
}

function lockKey(namespace: string, script: string): string {
  return JSON.stringify([namespace, script]);
}
