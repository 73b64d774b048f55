import { ENTITIES } from "../fixtures/faults/entities";
import type { TestDatabase } from "../support/database";
import { fixtureProject } from "../support/fixture-project";
import { ledgerChunks, ledgerRuns } from "../support/ledger";

export const SCRIPTS = "test/fixtures/faults/scripts";
export const DATA_SOURCE = "test/fixtures/faults/ormconfig.ts";
export const GADGETS = 250; // ids 1..250: name g<id>, code CODE-<id>; 3 chunks of 100

/** The fault fixtures project (test/fixtures/faults): entities whose columns reject values, one script per fault. */
const faults = fixtureProject({ scripts: SCRIPTS, dataSource: DATA_SOURCE, entities: ENTITIES });

/** A fresh database with the fault fixtures' tables; gadgets 1..250 seeded. */
export async function faultsDatabase(prefix = "faults"): Promise<TestDatabase> {
  const db = await faults.database(prefix);
  await db.query(`INSERT INTO gadgets (id, name, code) SELECT g, 'g' || g, 'CODE-' || g FROM generate_series(1, $1) g`, [GADGETS]);
  return db;
}

/** `data-script <args>` on the fault fixtures, against `db` (or the env's DATABASE_URL when db is null). */
export const faultsCli = faults.cli;
export const startFaultsCli = faults.start;

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

export const runRows = ledgerRuns;
export const chunkRows = ledgerChunks;
