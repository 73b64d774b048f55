import { createReadStream, createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { ENTITIES } from "../fixtures/inputs/entities";
import type { TestDatabase } from "./database";
import { fixtureProject } from "./fixture-project";
import { waitFor } from "./cli";
import { ledgerChunks } from "./ledger";

/** The inputs project (test/fixtures/inputs): a partner feed upserted from a file, and a script with typed parameters. */
export const inputsProject = fixtureProject({
  scripts: "test/fixtures/inputs/scripts",
  dataSource: "test/fixtures/inputs/ormconfig.ts",
  entities: ENTITIES,
});

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), "data-script-inputs-test-"));
}

/** One partner of the feed: what the `partners` row must hold after the import. */
export interface FeedPartner {
  externalId: string;
  name: string;
  credit: number | null;
  joinedAt: string | null;
}

/**
 * Partner n of the feed. Every tenth name has an embedded comma, a newline (the record spans two
 * lines), emoji, or doubled quotes; every seventh credit is empty (null).
 */
export function feedPartner(n: number): FeedPartner {
  const names = [`plain ${n}`, `Smith, John ${n}`, `line one\nline two ${n}`, `🙂 émoji ${n} 👨‍👩‍👧`, `He said "hi" ${n}`];
  return {
    externalId: `P${n}`,
    name: names[n % names.length],
    credit: n % 7 === 0 ? null : n % 100_000,
    joinedAt: n % 11 === 0 ? null : new Date(Date.UTC(2020, 0, 1) + n * 60_000).toISOString(),
  };
}

export type FeedFormat = "csv" | "jsonl";

export interface Feed {
  /** Partners, by externalId: what the table must hold. */
  partners: number;
  /** Lines written, the header included. */
  lines: number;
  /** The line each partner's record starts on. */
  lineOf: (n: number) => number;
}

/**
 * Writes a feed of partners until it has at least `minLines` lines, as CSV (a UTF-8 BOM, a header,
 * quoted fields) or JSON lines; `.gz` names are gzipped. `override` replaces fields of one partner (a bad value).
 */
export async function writeFeed(
  file: string,
  format: FeedFormat,
  minLines: number,
  override?: { n: number; fields: Record<string, string> },
): Promise<Feed> {
  const out = createWriteStream(file);
  const gzip = file.endsWith(".gz") ? createGzip() : undefined;
  if (gzip) gzip.pipe(out);
  const sink = gzip ?? out;
  const starts: number[] = [];
  let line = 1;
  let buffer = format === "csv" ? "\uFEFFexternalId,name,credit,joinedAt\n" : "";
  if (format === "jsonl") line = 0;
  let n = 0;
  while (line < minLines) {
    n++;
    const p = feedPartner(n);
    const fields: Record<string, string | number | null> = { ...p, ...(override?.n === n ? override.fields : {}) };
    starts[n] = line + 1;
    if (format === "csv") {
      const cells = ["externalId", "name", "credit", "joinedAt"].map((k) => csvCell(fields[k]));
      const text = cells.join(",") + "\n";
      buffer += text;
      line += text.split("\n").length - 1;
    } else {
      buffer += JSON.stringify(fields) + "\n";
      line++;
    }
    if (buffer.length > 1 << 16) {
      if (!sink.write(buffer)) await new Promise<void>((r) => sink.once("drain", () => r()));
      buffer = "";
    }
  }
  sink.end(buffer);
  await finished(out);
  return { partners: n, lines: line, lineOf: (k) => starts[k] };
}

function csvCell(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Chunks of the script's real runs whose data is committed. */
export async function savedChunks(db: TestDatabase, script: string): Promise<number> {
  return (await ledgerChunks(db, script)).filter((c) => c.status === "saved" || c.status === "done").length;
}

/**
 * The import happened exactly once: every partner 1..n is there with its values, and each has exactly one
 * audit row, an insert (a chunk applied twice would add an update row).
 */
export async function expectImportedOnce(db: TestDatabase, partners: number): Promise<void> {
  const [counts] = await db.query<{ rows: string; audit: string; inserts: string; distinct_ids: string }>(
    `SELECT (SELECT count(*) FROM partners) rows, (SELECT count(*) FROM partner_audit) audit,
            (SELECT count(*) FROM partner_audit WHERE action = 'insert') inserts,
            (SELECT count(DISTINCT "externalId") FROM partner_audit) distinct_ids`,
  );
  expect(counts).toEqual({ rows: String(partners), audit: String(partners), inserts: String(partners), distinct_ids: String(partners) });
  // Every tricky name and value, read back exactly: the first ten partners, and a few far into the file.
  const sample = [1, 2, 3, 4, 5, 7, 11, 77, partners - 1, partners];
  const rows = await db.query<{ externalId: string; name: string; credit: number | null; joinedAt: Date | null }>(
    `SELECT "externalId", name, credit, "joinedAt" FROM partners WHERE "externalId" = ANY($1) ORDER BY id`,
    [sample.map((n) => `P${n}`)],
  );
  const byId = new Map(rows.map((r) => [r.externalId, r]));
  for (const n of sample) {
    const p = feedPartner(n);
    const row = byId.get(p.externalId);
    expect({ ...row, joinedAt: row?.joinedAt?.toISOString() ?? null }).toEqual(p);
  }
}

/** `data-script <args>` on the inputs project with `file` piped to its standard input (`--input -`). */
export function startWithStdin(db: TestDatabase, args: string[], file: string) {
  const started = inputsProject.start(db, args);
  started.child.stdin!.on("error", () => undefined); // a killed run closes its end early
  createReadStream(file).pipe(started.child.stdin!);
  return started;
}

/**
 * After a SIGKILL of the parent, its workers notice and exit, but one may still commit the chunk
 * it was writing: wait until no session but this one is left on the database.
 */
export async function waitForOrphans(db: TestDatabase): Promise<void> {
  await waitFor(async () => {
    const [{ n }] = await db.query<{ n: string }>(
      `SELECT count(*) n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return n === "0";
  });
}
