import { join } from "node:path";
import type { Client } from "pg";
import { resetDemo } from "./demo";
import { SEED_UPDATED_AT } from "./seed-data";

/** `demo`: the README's main job (bench/demo.ts), which seeds and checks its own databases. */
export type BenchPath = "update" | "create" | "upsert" | "demo";

/** A unique key on e-mail, present only on the upsert path (the upsert's conflict target). */
const EMAIL_KEY = "bench_users_email_key";

/**
 * Puts the database in the same state before every timed run: users re-seeded
 * (ids 1..N, freshly vacuumed and analysed), audit rows, event counts and the
 * runner's ledger emptied, then a CHECKPOINT so no run pays for the previous one's writes.
 */
export async function resetFor(db: Client, path: BenchPath, n: number): Promise<void> {
  if (path === "demo") return resetDemo(db, join(__dirname, ".."));
  const ledger = await db.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'data\\_script\\_%'`,
  );
  const tables = ["users", "user_audit", "bench_event_counts", ...ledger.rows.map((r) => r.name)];
  await db.query(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY`);
  if (path === "upsert") await db.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${EMAIL_KEY} ON users (email)`);
  else await db.query(`DROP INDEX IF EXISTS ${EMAIL_KEY}`);
  if (path === "update" || path === "upsert") {
    const step = path === "upsert" ? 2 : 1;
    const first = path === "upsert" ? 2 : 1;
    await db.query(
      `INSERT INTO users (username, email, "isActive", "updatedAt")
       SELECT 'user' || g, 'user' || g || '@example.com', true, $2::timestamptz
       FROM generate_series($3::int, $1::int, $4::int) g ORDER BY g`,
      [n, SEED_UPDATED_AT, first, step],
    );
  }
  await db.query("VACUUM ANALYZE users");
  await db.query("VACUUM ANALYZE user_audit");
  await db.query("CHECKPOINT");
}

export interface CheckResult {
  ok: boolean;
  detail: string;
}

/** Did the method do the job? Every path ends with N users, all with upper-case usernames (create: N lower-case). */
export async function verify(db: Client, path: BenchPath, n: number): Promise<CheckResult> {
  const { rows } = await db.query<{ total: number; upper: number; distinct_emails: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE username = upper(username))::int AS upper,
            count(DISTINCT email)::int AS distinct_emails FROM users`,
  );
  const { total, upper, distinct_emails } = rows[0];
  const wantUpper = path === "create" ? 0 : n;
  const ok = total === n && upper === wantUpper && distinct_emails === n;
  return { ok, detail: `${total} rows, ${upper} upper-case, ${distinct_emails} distinct e-mails (want ${n}, ${wantUpper}, ${n})` };
}
