import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import { errorMessage } from "./chunk-write";
import { explainDataError, refusedRow, type ChunkRowRef } from "./explain-data-error";

/** A row the database would not take (--continue-on-error): which one, and why, in the words of the explainer. */
export interface RefusedRow {
  index: number;
  message: string;
}

/** What one write of a subset of the chunk's rows gives back, and how two such results add up. */
export interface PartialWrites<R> {
  write(rows: ChunkRowRef[]): Promise<R>;
  combine(a: R, b: R): R;
  empty: R;
}

/** The database refused a value or a row: a data exception (22), an integrity violation (23), a trigger's RAISE (P0). */
function isRowRefusal(error: unknown): boolean {
  return /^(22|23|P0)/.test(String((error as { code?: unknown })?.code ?? ""));
}

const SAVEPOINT = "data_script_rows";

/**
 * Under --continue-on-error: the chunk's rows in one statement, as always, unless the database
 * refuses one of them. Then that row is set aside (recorded as a failure by the caller, so a
 * resumed run retries it) and the chunk's other rows are written. Each try runs behind a
 * savepoint, so a refused statement (and whatever its subscribers wrote) rolls back alone. The row
 * is the one the bad-value explainer names; when nothing names it (a CHECK constraint, a trigger,
 * a subscriber's own query, two rows that conflict with each other), the rows are halved and each
 * half written, or halved again, until the refused ones stand alone: a few statements per bad row.
 */
export async function writeSettingAsideRefused<R>(
  manager: EntityManager,
  metadata: EntityMetadata,
  chunkNo: number,
  rows: ChunkRowRef[],
  writes: PartialWrites<R>,
): Promise<{ result: R; refused: RefusedRow[] }> {
  const refused: RefusedRow[] = [];
  const indexOf = new Map<ObjectLiteral, number>(rows.map((r, i) => [r.entity, i]));
  const setAside = (row: ChunkRowRef, error: unknown) => refused.push({ index: indexOf.get(row.entity)!, message: describe(error, metadata, chunkNo, row) });
  const writeAll = async (subset: ChunkRowRef[]): Promise<R> => {
    let rest = subset;
    while (rest.length) {
      const tried = await behindSavepoint(manager, () => writes.write(rest));
      if (tried.ok) return tried.value;
      if (!isRowRefusal(tried.error)) throw tried.error;
      if (rest.length === 1) {
        setAside(rest[0], tried.error);
        return writes.empty;
      }
      const named = refusedRow(tried.error, metadata);
      if (named && rest.includes(named)) {
        setAside(named, tried.error);
        rest = rest.filter((r) => r !== named);
        continue;
      }
      const half = rest.length >> 1;
      return writes.combine(await writeAll(rest.slice(0, half)), await writeAll(rest.slice(half)));
    }
    return writes.empty;
  };
  const result = await writeAll(rows);
  refused.sort((a, b) => a.index - b.index);
  return { result, refused };
}

async function behindSavepoint<R>(manager: EntityManager, work: () => Promise<R>): Promise<{ ok: true; value: R } | { ok: false; error: unknown }> {
  await manager.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const value = await work();
    await manager.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return { ok: true, value };
  } catch (error) {
    await manager.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    await manager.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return { ok: false, error };
  }
}

/** `feed.csv line 7 (sku=S7), column name: invalid byte sequence …: the database refused it`. */
function describe(error: unknown, metadata: EntityMetadata, chunkNo: number, row: ChunkRowRef): string {
  const explained = (explainDataError(error, metadata, chunkNo)?.message ?? errorMessage(error).split("\n")[0]).replace(/; nothing of chunk \d+ was written$/, "");
  const said = explained.startsWith(row.label) ? explained : `${row.label}: ${explained}`;
  return `${said}; the database refused it, the chunk's other rows were written`;
}
