import type { EntityManager, EntityMetadata } from "typeorm";
import { codecFor, quotedTable } from "../bulk/column-codec";

/** SQLSTATE 57014 with this message: the chunk's statement ran past statement_timeout (not a cancel by hand). */
export function isStatementTimeout(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return err?.code === "57014" && /statement timeout/.test(err.message ?? "");
}

/**
 * Where a chunk whose statement timed out is cut in two: the middle of its key
 * range, by the keys in it (the same order the plan used). Undefined when the
 * range holds fewer than two rows: the floor, nothing left to split.
 */
export async function splitRange(
  manager: EntityManager,
  metadata: EntityMetadata,
  range: { lo: string; hi: string },
): Promise<{ first: { lo: string; hi: string }; second: { lo: string; hi: string } } | undefined> {
  const key = codecFor(metadata.primaryColumns[0]);
  const type = key.paramType.slice(0, -2);
  const rows: { k: string }[] = await manager.query(
    `WITH r AS (SELECT t.${key.name} AS k, row_number() OVER (ORDER BY t.${key.name}) AS rn, count(*) OVER () AS n
                FROM ${quotedTable(metadata)} AS t WHERE t.${key.name} BETWEEN $1::${type} AND $2::${type})
     SELECT k::text AS k FROM r WHERE rn IN (n / 2, n / 2 + 1) AND n >= 2 ORDER BY rn`,
    [range.lo, range.hi],
  );
  if (rows.length < 2) return undefined;
  return { first: { lo: range.lo, hi: rows[0].k }, second: { lo: rows[1].k, hi: range.hi } };
}
