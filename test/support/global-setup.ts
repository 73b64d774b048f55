import { startEmbeddedPostgres } from "../../src/database/embedded-postgres";

/**
 * One PostgreSQL for the whole test run: DATABASE_URL when set (CI's system
 * server), otherwise the embedded one, in its own data folder.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startEmbeddedPostgres(".data/test-postgres");
  (globalThis as { __embedded?: typeof server }).__embedded = server;
  process.env.TEST_SERVER_URL = server.url;
}
