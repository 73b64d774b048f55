import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** A fresh, empty database on the test server, for one test file (or one test). */
export interface TestDatabase {
  url: string;
  name: string;
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_SERVER_URL;
  if (!url) throw new Error("TEST_SERVER_URL is not set: run the tests through jest (globalSetup starts the database)");
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  const name = `ds_${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = withDatabase(serverUrl(), name);
  const client = new Client({ connectionString: url });
  await client.connect();
  client.on("error", () => undefined);
  return {
    url,
    name,
    query: async (text, params) => (await client.query(text, params)).rows,
    async drop() {
      await client.end();
      const a = new Client({ connectionString: serverUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A login role with `password` and every right on `db`'s public schema, for the tests that look for a leaked password. */
export interface PasswordRole {
  /** `db`'s URL with this role and its password. */
  url: string;
  drop(): Promise<void>;
}

export async function createPasswordRole(db: TestDatabase, role: string, password: string): Promise<PasswordRole> {
  const admin = new Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await admin.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
  await admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
  await admin.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  await admin.end();
  const u = new URL(db.url);
  u.username = role;
  u.password = password;
  return {
    url: u.toString(),
    async drop() {
      const owner = new Client({ connectionString: db.url });
      await owner.connect();
      await owner.query(`DROP OWNED BY ${role}`);
      await owner.end();
      const server = new Client({ connectionString: serverUrl() });
      await server.connect();
      await server.query(`DROP ROLE IF EXISTS ${role}`);
      await server.end();
    },
  };
}
