import { Client } from "pg";
import { startEmbeddedPostgres } from "../src/database/embedded-postgres";

/** The bench's own database on the server: created fresh, dropped afterwards (unless --keep). */
export interface BenchDatabase {
  url: string;
  /** The server, for the report: "system PostgreSQL (DATABASE_URL)" or "embedded PostgreSQL". */
  server: string;
  close(): Promise<void>;
}

// BENCH_DB in the environment: a database of its own for a bench sharing the server with another.
export const BENCH_DB = process.env.BENCH_DB || "ds_bench";

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Redacts a password in a URL, for printing. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

/**
 * DATABASE_URL when set (its server, a dedicated `ds_bench` database), otherwise
 * an embedded PostgreSQL in .data/bench-postgres, stopped at the end.
 */
export async function openBenchDatabase(keep: boolean, log: (line: string) => void, name = BENCH_DB): Promise<BenchDatabase> {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = async () => undefined as void;
  let server = "PostgreSQL at DATABASE_URL";
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres(".data/bench-postgres", log);
    serverUrl = embedded.url;
    stopServer = () => embedded.stop();
    server = "embedded PostgreSQL (.data/bench-postgres, DATABASE_URL unset)";
  }
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  return {
    url,
    server,
    async close() {
      if (!keep) {
        const a = new Client({ connectionString: serverUrl });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await a.end();
      }
      await stopServer();
    },
  };
}
