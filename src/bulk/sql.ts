import type { ColumnCodec } from "./column-codec";
import { quoteIdent } from "./column-codec";
import { elementType, keyRangeSql } from "./key-range";

/**
 * Pure SQL building for the three bulk statements. Each column travels as ONE
 * array parameter through `unnest`, so the SQL text depends only on the chunk's
 * shape (which columns), never on its size or values.
 */

export interface UpdateShape {
  table: string;
  keys: ColumnCodec[];
  /** Columns to write; `partial` ones carry a per-row flag (written only where the flag is true). */
  sets: { codec: ColumnCodec; partial: boolean }[];
  /** Columns set by the database on every update: `CURRENT_TIMESTAMP`. */
  updateDate?: ColumnCodec;
  /** Incremented on every update; rows whose version moved since load are left alone. */
  version?: ColumnCodec;
  /** Bound the scan to the chunk's key range (a composite key by row comparison: see key-range.ts). */
  keyRange: boolean;
  returning: ColumnCodec[];
}

export interface BuiltStatement {
  sql: string;
  /** The quoted table it writes. */
  table: string;
  /** Order of the array parameters; key range bounds follow them. */
  params: { codec: ColumnCodec; role: "key" | "value" | "flag" | "version" | "default" }[];
  /** The key range's bounds follow the arrays (an update bounded to its chunk's keys): lo's parts, then hi's. */
  keyRange?: boolean;
  /** The row count follows the arrays (an insert that names no column). */
  rowCountParam?: boolean;
}

const FLAG_TYPE = "boolean[]";

export function buildUpdate(shape: UpdateShape): BuiltStatement {
  const params: BuiltStatement["params"] = [];
  const aliases: string[] = [];
  const add = (codec: ColumnCodec, role: BuiltStatement["params"][number]["role"], alias: string) => {
    params.push({ codec, role });
    aliases.push(alias);
    return `$${params.length}::${role === "flag" ? FLAG_TYPE : codec.paramType}`;
  };
  const unnestArgs: string[] = [];
  shape.keys.forEach((k) => unnestArgs.push(add(k, "key", k.name)));
  shape.sets.forEach((s) => unnestArgs.push(add(s.codec, "value", s.codec.name)));
  shape.sets.forEach((s, i) => {
    if (s.partial) unnestArgs.push(add(s.codec, "flag", quoteIdent(`__set_${i}`)));
  });
  if (shape.version) unnestArgs.push(add(shape.version, "version", quoteIdent("__loaded_version")));

  const assignments = shape.sets.map((s, i) => {
    const value = s.codec.read("v");
    return s.partial
      ? `${s.codec.name} = CASE WHEN v.${quoteIdent(`__set_${i}`)} THEN ${value} ELSE t.${s.codec.name} END`
      : `${s.codec.name} = ${value}`;
  });
  const written = new Set(shape.sets.map((s) => s.codec.name));
  if (shape.updateDate && !written.has(shape.updateDate.name)) {
    assignments.push(`${shape.updateDate.name} = CURRENT_TIMESTAMP`);
  }
  if (shape.version && !written.has(shape.version.name)) {
    assignments.push(`${shape.version.name} = t.${shape.version.name} + 1`);
  }

  const where = shape.keys.map((k) => `t.${k.name} = v.${k.name}`);
  if (shape.version) where.push(`t.${shape.version.name} = v.${quoteIdent("__loaded_version")}`);
  if (shape.keyRange) {
    const first = params.length + 1;
    where.push(keyRangeSql(shape.keys.map((k) => `t.${k.name}`), shape.keys.map(elementType), (i, type) => `$${first + i}::${type}`));
  }
  const returning = shape.returning.map((c) => `t.${c.name}`).join(", ");
  const sql =
    `UPDATE ${shape.table} AS t SET ${assignments.join(", ")} ` +
    `FROM unnest(${unnestArgs.join(", ")}) AS v(${aliases.join(", ")}) ` +
    `WHERE ${where.join(" AND ")} RETURNING ${returning}`;
  return { sql, table: shape.table, params, keyRange: shape.keyRange };
}

export interface InsertShape {
  table: string;
  columns: ColumnCodec[];
  /** Default expression of a column some rows leave undefined; a per-row boolean[] flag picks it. */
  fallbacks?: Map<ColumnCodec, string>;
  returning: ColumnCodec[];
  /** ON CONFLICT target and the columns an existing row takes from the new one. */
  upsert?: { conflictColumns: ColumnCodec[]; updateColumns: ColumnCodec[]; updateDate?: ColumnCodec; version?: ColumnCodec };
}

export const INSERTED_FLAG = "__inserted";

export function buildInsert(shape: InsertShape): BuiltStatement {
  const params: BuiltStatement["params"] = [];
  const unnestArgs: string[] = [];
  const aliases: string[] = [];
  shape.columns.forEach((codec) => {
    params.push({ codec, role: "value" });
    unnestArgs.push(`$${params.length}::${codec.paramType}`);
    aliases.push(codec.name);
  });
  const flags = new Map<ColumnCodec, string>();
  shape.columns.forEach((codec, i) => {
    if (!shape.fallbacks?.has(codec)) return;
    params.push({ codec, role: "default" });
    unnestArgs.push(`$${params.length}::${FLAG_TYPE}`);
    flags.set(codec, quoteIdent(`__default_${i}`));
    aliases.push(flags.get(codec)!);
  });
  aliases.push(quoteIdent("__ord"));
  const selectList = shape.columns.map((c) => {
    const flag = flags.get(c);
    return flag ? `CASE WHEN v.${flag} THEN ${shape.fallbacks!.get(c)} ELSE ${c.read("v")} END` : c.read("v");
  });
  const target = shape.columns.map((c) => c.name).join(", ");
  // Rows are inserted, and returned, in the order of the input (ORDER BY ordinality).
  // With no column to name (every value a default), a zero-column SELECT per row.
  let sql = unnestArgs.length
    ? `INSERT INTO ${shape.table} AS t (${target}) SELECT ${selectList.join(", ")} ` +
      `FROM unnest(${unnestArgs.join(", ")}) WITH ORDINALITY AS v(${aliases.join(", ")}) ORDER BY v."__ord"`
    : `INSERT INTO ${shape.table} AS t SELECT FROM generate_series(1, $1::integer) AS v("__ord") ORDER BY v."__ord"`;
  const returning = shape.returning.map((c) => `t.${c.name}`);
  if (shape.upsert) {
    const { conflictColumns, updateColumns, updateDate, version } = shape.upsert;
    const sets = updateColumns.map((c) => `${c.name} = EXCLUDED.${c.name}`);
    const written = new Set(updateColumns.map((c) => c.name));
    if (updateDate && !written.has(updateDate.name)) sets.push(`${updateDate.name} = CURRENT_TIMESTAMP`);
    if (version && !written.has(version.name)) sets.push(`${version.name} = t.${version.name} + 1`);
    // With nothing to set, touch the key so the row is still returned (and counted as existing).
    if (!sets.length) sets.push(`${conflictColumns[0].name} = EXCLUDED.${conflictColumns[0].name}`);
    sql += ` ON CONFLICT (${conflictColumns.map((c) => c.name).join(", ")}) DO UPDATE SET ${sets.join(", ")}`;
    returning.push(`(t.xmax = 0) AS ${quoteIdent(INSERTED_FLAG)}`);
  }
  sql += ` RETURNING ${returning.join(", ")}`;
  return { sql, table: shape.table, params, rowCountParam: !unnestArgs.length };
}
