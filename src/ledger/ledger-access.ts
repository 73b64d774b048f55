import { UsageError } from "../errors";
import type { Sql } from "./sql";

/**
 * Creating or upgrading the ledger needs CREATE on the schema (and to own its tables): a role
 * without it gets the SQL's "permission denied for schema public", which says nothing of the
 * ledger. A usage error (exit 2, also from `check`, where 1 means "pending") that says what was
 * being done and what to grant, or how to keep the ledger in another schema.
 */
export async function explainLedgerDenied(sql: Sql, error: unknown): Promise<never> {
  if ((error as { code?: string })?.code !== "42501") throw error;
  const [where] = await sql<{ role: string; schema: string | null }>(`SELECT current_user AS role, current_schema() AS schema`).catch(() => [
    { role: "the role", schema: null },
  ]);
  const schema = where?.schema ?? "public";
  throw new UsageError(
    `cannot create or upgrade the ledger tables (data_script_runs, data_script_chunks, …) in schema ${schema}: ${(error as Error).message}. ` +
      `Grant the role what it needs (GRANT CREATE ON SCHEMA ${schema} TO ${where.role}; an upgrade also needs to own the tables), ` +
      `run data-script once as a role that may, or keep the ledger in a schema this role may write: it is created in the first schema of ` +
      `the role's search_path (ALTER ROLE ${where.role} SET search_path = data_script, public).`,
    { cause: error },
  );
}
