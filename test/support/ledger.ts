import type { TestDatabase } from "./database";

/** The script's real (non-dry) runs in the ledger, oldest first; none while the ledger has not even been created. */
export async function ledgerRuns(db: TestDatabase, script: string) {
  const [{ exists }] = await db.query<{ exists: boolean }>(`SELECT to_regclass('data_script_runs') IS NOT NULL AS exists`);
  if (!exists) return [];
  return db.query<{ id: number; status: string; error: string | null }>(
    `SELECT id, status, error FROM data_script_runs WHERE script = $1 AND NOT dry_run ORDER BY id`,
    [script],
  );
}

/** The chunks of the script's real runs, by run and chunk number. */
export async function ledgerChunks(db: TestDatabase, script: string) {
  return db.query<{ chunk_no: number; status: string; error: string | null }>(
    `SELECT c.chunk_no, c.status, c.error FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id
     WHERE r.script = $1 AND NOT r.dry_run ORDER BY r.id, c.chunk_no`,
    [script],
  );
}
