import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ENTITIES } from "../fixtures/trust/entities";
import type { TestDatabase } from "../support/database";
import { fixtureProject } from "../support/fixture-project";

/** The trust fixtures (test/fixtures/trust): items imported (insert, upsert) or changed in place, with a per-row audit. */
export const trust = fixtureProject({ scripts: "test/fixtures/trust/scripts", dataSource: "test/fixtures/trust/ormconfig.ts", entities: ENTITIES });

/** A file in a fresh scratch folder; `.gz` names are gzipped. */
export function scratchFile(name: string, content: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), "data-script-trust-")), name);
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  writeFileSync(file, name.endsWith(".gz") ? gzipSync(bytes) : bytes);
  return file;
}

/** A CSV of items 1..n (sku S<n>, name item <n>, qty n). */
export function itemsCsv(n: number, from = 1): string {
  let text = "sku,name,qty\n";
  for (let i = from; i < from + n; i++) text += `S${i},item ${i},${i}\n`;
  return text;
}

export async function items(db: TestDatabase): Promise<{ sku: string; name: string; qty: number }[]> {
  return db.query(`SELECT sku, name, qty FROM items ORDER BY id`);
}

export async function count(db: TestDatabase, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) n FROM ${table}`);
  return Number(n);
}

/** Every run of the script in the ledger (none before the ledger exists). */
export async function runsOf(db: TestDatabase, script: string) {
  const [{ exists }] = await db.query<{ exists: boolean }>(`SELECT to_regclass('data_script_runs') IS NOT NULL AS exists`);
  if (!exists) return [];
  return db.query<{ id: number; status: string; error: string | null; namespace: string | null }>(
    `SELECT id, status, error, namespace FROM data_script_runs WHERE script = $1 AND NOT dry_run ORDER BY id`,
    [script],
  );
}
