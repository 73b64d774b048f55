import { DataSource } from "typeorm";
import { ENTITIES } from "../fixtures/faults/entities";
import { runCli, startCli, type CliOptions, type CliResult } from "../support/cli";
import { createTestDatabase, type TestDatabase } from "../support/database";

export const SCRIPTS = "test/fixtures/faults/scripts";
export const DATA_SOURCE = "test/fixtures/faults/ormconfig.ts";
export const GADGETS = 250; // ids 1..250: name g<id>, code CODE-<id>; 3 chunks of 100

/** A fresh database with the fault fixtures' tables; gadgets 1..250 seeded. */
export async function faultsDatabase(prefix = "faults"): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const ds = new DataSource({ type: "postgres", url: db.url, entities: ENTITIES, synchronize: true });
  await ds.initialize();
  await ds.destroy();
  await db.query(`INSERT INTO gadgets (id, name, code) SELECT g, 'g' || g, 'CODE-' || g FROM generate_series(1, $1) g`, [GADGETS]);
  return db;
}

/** `data-script <args>` on the fault fixtures, against `db` (or the env's DATABASE_URL when db is null). */
export function faultsCli(db: TestDatabase | null, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli([...args, "--scripts", SCRIPTS, "-d", DATA_SOURCE, "--no-progress"], {
    ...options,
    env: { ...(db ? { DATABASE_URL: db.url } : {}), ...options.env },
  });
}

export function startFaultsCli(db: TestDatabase, args: string[], options: CliOptions = {}) {
  return startCli([...args, "--scripts", SCRIPTS, "-d", DATA_SOURCE, "--no-progress"], { ...options, env: { DATABASE_URL: db.url, ...options.env } });
}

/** A stack frame in the output: a user error must not print one (only --verbose does). */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

/** md5 of every gadget and audit row: "unchanged" means this is the same before and after. */
export async function gadgetsChecksum(db: TestDatabase): Promise<string> {
  const [row] = await db.query<{ g: string; a: string }>(
    `SELECT (SELECT md5(string_agg(concat_ws('|', id, name, note, qty, small, code, counter), ',' ORDER BY id)) FROM gadgets) g,
            (SELECT count(*)::text FROM gadget_audit) a`,
  );
  return `${row.g}/${row.a}`;
}

/** The script's runs in the ledger (none while the ledger has not even been created). */
export async function runRows(db: TestDatabase, script: string) {
  const [{ exists }] = await db.query<{ exists: boolean }>(`SELECT to_regclass('data_script_runs') IS NOT NULL AS exists`);
  if (!exists) return [];
  return db.query<{ id: number; status: string; error: string | null }>(
    `SELECT id, status, error FROM data_script_runs WHERE script = $1 AND NOT dry_run ORDER BY id`,
    [script],
  );
}

export async function chunkRows(db: TestDatabase, script: string) {
  return db.query<{ chunk_no: number; status: string; error: string | null }>(
    `SELECT c.chunk_no, c.status, c.error FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id
     WHERE r.script = $1 AND NOT r.dry_run ORDER BY r.id, c.chunk_no`,
    [script],
  );
}
