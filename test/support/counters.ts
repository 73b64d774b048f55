import { DataSource } from "typeorm";
import { AfterSaveCall, Counter, CounterAudit } from "../fixtures/counters/entities";
import { createTestDatabase, type TestDatabase } from "./database";
import { runCli, startCli, type CliOptions } from "./cli";

/** A database with `counters` (N rows at 0) and the audit table, for the resume tests. */
export async function countersDatabase(rows: number): Promise<TestDatabase> {
  const db = await createTestDatabase("counters");
  const ds = new DataSource({ type: "postgres", url: db.url, entities: [Counter, CounterAudit, AfterSaveCall], synchronize: true });
  await ds.initialize();
  await ds.destroy();
  await db.query(`INSERT INTO counters (id, counter) SELECT g, 0 FROM generate_series(1, $1) g`, [rows]);
  return db;
}

const BASE = ["--scripts", "test/fixtures/counters/scripts", "-d", "test/fixtures/counters/ormconfig.ts", "--no-progress"];

export function counterCli(db: TestDatabase, args: string[], options: CliOptions = {}) {
  return runCli([...args, ...BASE], { ...options, env: { DATABASE_URL: db.url, ...options.env } });
}

export function startCounterCli(db: TestDatabase, args: string[], options: CliOptions = {}) {
  return startCli([...args, ...BASE], { ...options, env: { DATABASE_URL: db.url, ...options.env } });
}

/** How the counters stand: each must end at exactly 1, with exactly one audit row. */
export async function counterHistogram(db: TestDatabase) {
  const counters = await db.query<{ counter: number; n: string }>(`SELECT counter, count(*) n FROM counters GROUP BY 1 ORDER BY 1`);
  const [audit] = await db.query<{ rows: string; distinct_ids: string; wrong: string }>(
    `SELECT count(*) rows, count(DISTINCT "counterId") distinct_ids, count(*) FILTER (WHERE counter <> 1) wrong FROM counter_audit`,
  );
  return { counters: Object.fromEntries(counters.map((c) => [c.counter, Number(c.n)])), audit };
}

export async function savedChunks(db: TestDatabase, script: string): Promise<number> {
  const [row] = await db.query<{ n: string }>(
    `SELECT count(*) n FROM data_script_chunks c JOIN data_script_runs r ON r.id = c.run_id
     WHERE r.script = $1 AND NOT r.dry_run AND c.status IN ('saved', 'done')`,
    [script],
  );
  return Number(row?.n ?? 0);
}

export async function runStatuses(db: TestDatabase, script: string): Promise<string[]> {
  const rows = await db.query<{ status: string }>(`SELECT status FROM data_script_runs WHERE script = $1 AND NOT dry_run ORDER BY id`, [script]);
  return rows.map((r) => r.status);
}
