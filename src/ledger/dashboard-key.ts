import { randomBytes } from "node:crypto";
import type { Sql } from "./sql";

/**
 * The secret a mounted dashboard signs its action key with, one per database: created once by
 * whichever process asks first, read by every other. Several processes of one app behind a load
 * balancer then accept each other's pages. It guards against cross-site POSTs only (the app's own
 * authentication guards the dashboard); whoever can read the ledger can change runs anyway.
 * Its table is the dashboard's own, created here (not with the ledger: only a mounted dashboard needs it).
 */
export async function dashboardSecret(sql: Sql): Promise<string> {
  try {
    await sql(`CREATE TABLE IF NOT EXISTS data_script_dashboard_key (
      one boolean PRIMARY KEY DEFAULT true CHECK (one), secret text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  } catch (error) {
    // Two processes creating it at once: one wins (unique_violation on the catalog), the table is there.
    if ((error as { code?: string }).code !== "23505") throw error;
  }
  await sql(`INSERT INTO data_script_dashboard_key (secret) VALUES ($1) ON CONFLICT DO NOTHING`, [randomBytes(32).toString("hex")]);
  const [row] = await sql<{ secret: string }>(`SELECT secret FROM data_script_dashboard_key`);
  return row.secret;
}
