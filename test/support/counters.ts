import { AfterSaveCall, Counter, CounterAudit } from "../fixtures/counters/entities";
import type { TestDatabase } from "./database";
import { fixtureProject } from "./fixture-project";
import { ledgerChunks, ledgerRuns } from "./ledger";

/** The counters project (test/fixtures/counters): a script that adds 1 to each counter, with a per-row audit subscriber. */
const counters = fixtureProject({
  scripts: "test/fixtures/counters/scripts",
  dataSource: "test/fixtures/counters/ormconfig.ts",
  entities: [Counter, CounterAudit, AfterSaveCall],
});

/** A database with `counters` (N rows at 0) and the audit table, for the resume tests. */
export async function countersDatabase(rows: number): Promise<TestDatabase> {
  const db = await counters.database("counters");
  await db.query(`INSERT INTO counters (id, counter) SELECT g, 0 FROM generate_series(1, $1) g`, [rows]);
  return db;
}

export const counterCli = counters.cli;
export const startCounterCli = counters.start;

/** How the counters stand: each must end at exactly 1, with exactly one audit row. */
export async function counterHistogram(db: TestDatabase) {
  const counts = await db.query<{ counter: number; n: string }>(`SELECT counter, count(*) n FROM counters GROUP BY 1 ORDER BY 1`);
  const [audit] = await db.query<{ rows: string; distinct_ids: string; wrong: string }>(
    `SELECT count(*) rows, count(DISTINCT "counterId") distinct_ids, count(*) FILTER (WHERE counter <> 1) wrong FROM counter_audit`,
  );
  return { counters: Object.fromEntries(counts.map((c) => [c.counter, Number(c.n)])), audit };
}

/** Chunks of the script's real runs whose data is committed. */
export async function savedChunks(db: TestDatabase, script: string): Promise<number> {
  return (await ledgerChunks(db, script)).filter((c) => c.status === "saved" || c.status === "done").length;
}

export async function runStatuses(db: TestDatabase, script: string): Promise<string[]> {
  return (await ledgerRuns(db, script)).map((r) => r.status);
}
