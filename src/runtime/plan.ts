import type { DataSource, ObjectLiteral } from "typeorm";
import { applyWhere } from "../script/apply-where";
import { encodeBound } from "../bulk/key-range";
import { unquotableNames } from "../bulk/quotable";
import { UsageError } from "../errors";
import type { ChunkRange } from "../ledger/ledger";
import type { DataScript, ScriptContext } from "../script/data-script";

/**
 * Plans a table-kind script's chunks as primary-key ranges of `chunkSize` rows
 * (the script's own unless the run overrides it), in one query that returns
 * only each chunk's first and last key: the rows themselves never reach the parent.
 * A composite key is ordered as the whole key, and its bounds kept as key-range.ts encodes them.
 */
export async function planKeyRanges(
  dataSource: DataSource,
  script: DataScript,
  ctx: ScriptContext<unknown>,
  chunkSize = script.chunkSize,
): Promise<ChunkRange[]> {
  const metadata = dataSource.getMetadata(script.entity);
  const unquotable = unquotableNames(metadata);
  if (unquotable) throw new UsageError(unquotable);
  const alias = "row";
  let qb = dataSource.createQueryBuilder(metadata.target as never, alias) as ReturnType<DataSource["createQueryBuilder"]>;
  qb = applyWhere(script, qb, ctx);
  const keys = metadata.primaryColumns.map((key) => `${alias}.${dataSource.driver.escape(key.databaseName)}`);
  // One column: `k`, as it always was; a composite key: `k0`, `k1`, … ordered as the whole key (row order).
  const names = keys.length === 1 ? ["k"] : keys.map((_, i) => `k${i}`);
  const order = keys.join(", ");
  // lead() IS NULL marks the last row without count(*) OVER (), which would hold every row
  // before returning the first; the keys are cast to text only for the rows kept.
  keys.forEach((key, i) => (i ? qb.addSelect(key, names[i]) : qb.select(key, names[i])));
  qb.addSelect(`row_number() OVER (ORDER BY ${order})`, "rn").addSelect(`lead(1) OVER (ORDER BY ${order}) IS NULL`, "last");
  const [inner, params] = qb.getQueryAndParameters();
  const size = chunkSize;
  const n = params.length;
  const rows: ObjectLiteral[] = await dataSource.query(
    `SELECT ${names.map((k) => `s.${k}::text AS ${k}`).join(", ")}, (s.rn - 1) / $${n + 1} AS b FROM (${inner}) s
     WHERE (s.rn - 1) % $${n + 1} = 0 OR s.rn % $${n + 1} = 0 OR s.last ORDER BY s.rn`,
    [...params, size],
  );
  const ranges: ChunkRange[] = [];
  for (const row of rows) {
    const bucket = Number(row.b);
    const key = names.length === 1 ? (row.k as string) : encodeBound(names.map((k) => row[k] as string));
    const last = ranges[ranges.length - 1];
    if (last && last.chunkNo === bucket + 1) last.hi = key;
    else ranges.push({ chunkNo: bucket + 1, lo: key, hi: key });
  }
  return ranges;
}
