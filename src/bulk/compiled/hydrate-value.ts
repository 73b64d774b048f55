import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { columnRef } from "./column-access";

/**
 * The expression generated code uses for `driver.prepareHydratedValue(v, column)`
 * (PostgresDriver, both TypeORM lines): `v` itself for the column types that
 * method returns unchanged, an inline form for booleans and dates, and the call
 * itself for everything else (transformers, simple-*, date-only, hstore, …).
 * `driver` must be bound in the context under that name.
 */
export function hydrateValueExpr(context: Map<string, unknown>, column: ColumnMetadata, value: string): string {
  const call = `driver.prepareHydratedValue(${value}, ${columnRef(context, column)})`;
  if (column.transformer) return call;
  const type = column.type;
  if (type === Boolean) return `(${value} === null ? null : ${value} ? true : false)`;
  // Type Number (a reflected `number`): parseInt of a 32-bit integer is that integer (of -0, 0: left to the call).
  if (type === Number) return `((${value} | 0) === ${value} && (${value} !== 0 || 1 / ${value} > 0) ? ${value} : ${call})`;
  // node-pg returns Dates for these; the driver converts only strings (a custom type parser's).
  if (type === Date || (typeof type === "string" && DATE_TIME_TYPES.has(type))) return `(typeof ${value} === "string" ? ${call} : ${value})`;
  if ((type === "enum" || type === "simple-enum") && !column.isArray && !(column.enum ?? []).some((v) => typeof v === "number")) return value;
  if (type === String || (typeof type === "string" && UNCHANGED_TYPES.has(type))) return value;
  return call;
}

const DATE_TIME_TYPES = new Set(["datetime", "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone"]);

/** Types prepareHydratedValue passes through as node-pg parsed them (no case of its own). */
const UNCHANGED_TYPES = new Set([
  "int",
  "int2",
  "int4",
  "int8",
  "integer",
  "smallint",
  "bigint",
  "numeric",
  "decimal",
  "float",
  "float4",
  "float8",
  "double precision",
  "real",
  "money",
  "varchar",
  "character varying",
  "char",
  "character",
  "text",
  "citext",
  "uuid",
  "boolean",
  "bool",
  "json",
  "jsonb",
  "bytea",
  "inet",
  "cidr",
  "macaddr",
  "interval",
]);
