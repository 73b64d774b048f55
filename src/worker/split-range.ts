import type { EntityManager, EntityMetadata } from "typeorm";
import { codecFor, quotedTable } from "../bulk/column-codec";
import { encodeBound, KeyRange } from "../bulk/key-range";

/** SQLSTATE 57014 with this message: the chunk's statement ran past statement_timeout (not a cancel by hand). */
export function isStatementTimeout(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return err?.code === "57014" && /statement timeout/.test(err.message ?? "");
}

/**
 * Where a chunk whose statement timed out is cut in two: the middle of its key
 * range, by the keys in it (the same order the plan used; a composite key's
 * row order). Undefined when the range holds fewer than two rows: the floor,
 * nothing left to split. The halves' bounds are in the ledger's encoding (key-range.ts).
 */
export async function splitRange(
  manager: EntityManager,
  metadata: EntityMetadata,
  range: { lo: string; hi: string },
): Promise<{ first: { lo: string; hi: string }; second: { lo: string; hi: string } } | undefined> {
  const keys = metadata.primaryColumns.map(codecFor);
  const params: unknown[] = [];
  const within = KeyRange.fromLedger(metadata, range).sqlCondition("t", params);
  const order = keys.map((k) => `t.${k.name}`).join(", ");
  // One column: `k`, as it always was; a composite key: `k0`, `k1`, … in primary-column order.
  const names = keys.length === 1 ? ["k"] : keys.map((_, i) => `k${i}`);
  const rows: Record<string, string>[] = await manager.query(
    `WITH r AS (SELECT ${keys.map((k, i) => `t.${k.name} AS ${names[i]}`).join(", ")}, row_number() OVER (ORDER BY ${order}) AS rn, count(*) OVER () AS n
                FROM ${quotedTable(metadata)} AS t WHERE ${within})
     SELECT ${names.map((k) => `${k}::text AS ${k}`).join(", ")} FROM r WHERE rn IN (n / 2, n / 2 + 1) AND n >= 2 ORDER BY rn`,
    params,
  );
  if (rows.length < 2) return undefined;
  const bound = (row: Record<string, string>) => encodeBound(names.map((k) => row[k]));
  return { first: { lo: range.lo, hi: bound(rows[0]) }, second: { lo: bound(rows[1]), hi: range.hi } };
}
