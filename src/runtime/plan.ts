import type { DataSource, ObjectLiteral } from "typeorm";
import { applyWhere } from "../script/apply-where";
import { unquotableNames } from "../bulk/quotable";
import { UsageError } from "../errors";
import type { ChunkRange } from "../ledger/ledger";
import type { DataScript, ScriptContext } from "../script/data-script";

/**
 * Plans a table-kind script's chunks as primary-key ranges of `chunkSize` rows
 * (the script's own unless the run overrides it), in one query that returns
 * only each chunk's first and last key: the rows themselves never reach the parent.
 */
export async function planKeyRanges(
  dataSource: DataSource,
  script: DataScript,
  ctx: ScriptContext<unknown>,
  chunkSize = script.chunkSize,
): Promise<ChunkRange[]> {
  const metadata = dataSource.getMetadata(script.entity);
  if (metadata.primaryColumns.length !== 1) {
    throw new UsageError(
      `${metadata.name} has a composite primary key; table-kind scripts chunk by a single-column key. ` +
        `Use a source-kind script, or bulkUpdate() directly.`,
    );
  }
  const unquotable = unquotableNames(metadata);
  if (unquotable) throw new UsageError(unquotable);
  const key = metadata.primaryColumns[0];
  const alias = "row";
  let qb = dataSource.createQueryBuilder(metadata.target as never, alias) as ReturnType<DataSource["createQueryBuilder"]>;
  qb = applyWhere(script, qb, ctx);
  const keyExpr = `${alias}.${dataSource.driver.escape(key.databaseName)}`;
  // lead() IS NULL marks the last row without count(*) OVER (), which would hold every row
  // before returning the first; the keys are cast to text only for the rows kept.
  qb.select(keyExpr, "k")
    .addSelect(`row_number() OVER (ORDER BY ${keyExpr})`, "rn")
    .addSelect(`lead(1) OVER (ORDER BY ${keyExpr}) IS NULL`, "last");
  const [inner, params] = qb.getQueryAndParameters();
  const size = chunkSize;
  const n = params.length;
  const rows: { k: string; b: string }[] = await dataSource.query(
    `SELECT s.k::text AS k, (s.rn - 1) / $${n + 1} AS b FROM (${inner}) s
     WHERE (s.rn - 1) % $${n + 1} = 0 OR s.rn % $${n + 1} = 0 OR s.last ORDER BY s.rn`,
    [...params, size],
  );
  const ranges: ChunkRange[] = [];
  for (const row of rows as ObjectLiteral[]) {
    const bucket = Number(row.b);
    const last = ranges[ranges.length - 1];
    if (last && last.chunkNo === bucket + 1) last.hi = row.k;
    else ranges.push({ chunkNo: bucket + 1, lo: row.k, hi: row.k });
  }
  return ranges;
}
