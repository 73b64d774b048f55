import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { EntityMetadata } from "typeorm";
import { prepareValue } from "pg/lib/utils";

/**
 * How one column travels through `unnest`: the array type of its bind
 * parameter, the expression that reads it back from the unnest alias, and
 * the encoder that turns an entity value into one element of that array.
 */
export interface ColumnCodec {
  column: ColumnMetadata;
  /** Quoted database column name. */
  name: string;
  /** Array type of the bind parameter, e.g. `integer[]`, `"public"."mood_enum"[]`. */
  paramType: string;
  /** Expression reading the value from the unnest alias (its field named `as`, by default the column's own name). */
  read(alias: string, as?: string): string;
  encode(value: unknown): unknown;
  /** encode returns the value as it is (generated code leaves the call out). */
  passThrough: boolean;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Schema-qualified, quoted table name. */
export function quotedTable(metadata: EntityMetadata): string {
  const { schema, tableName } = metadata;
  return schema ? `${quoteIdent(schema)}.${quoteIdent(tableName)}` : quoteIdent(tableName);
}

// Mirrors PostgresQueryRunner.buildEnumName (TypeORM 1.1.1, pinned).
function enumTypeName(column: ColumnMetadata): string {
  const metadata = column.entityMetadata;
  const name = column.enumName ?? `${metadata.tableName}_${column.databaseName.toLowerCase()}_enum`;
  const qualified = metadata.schema ? `${metadata.schema}.${name}` : name;
  return qualified.split(".").map(quoteIdent).join(".");
}

/** The element type of the column, without length or precision: the column's own
 * typmod must check values on assignment (an explicit varchar(n) cast would truncate). */
function baseType(column: ColumnMetadata): string {
  if (column.type === "enum" || column.type === "simple-enum") {
    return enumTypeName(column);
  }
  const driver = column.entityMetadata.connection.driver;
  const normalized = driver.normalizeType({ type: column.type, length: undefined, precision: undefined, scale: undefined });
  if (normalized === "simple-array" || normalized === "simple-json") return "text";
  // A bare `character` is character(1): a cast to it would cut every value to one character.
  if (normalized === "character") return "bpchar";
  return normalized;
}

const codecCache = new WeakMap<ColumnMetadata, ColumnCodec>();

export function codecFor(column: ColumnMetadata): ColumnCodec {
  let codec = codecCache.get(column);
  if (!codec) {
    codec = buildCodec(column);
    codecCache.set(column, codec);
  }
  return codec;
}

function buildCodec(column: ColumnMetadata): ColumnCodec {
  const driver = column.entityMetadata.connection.driver;
  const name = quoteIdent(column.databaseName);
  const elementType = baseType(column);
  const persist = (value: unknown) => driver.preparePersistentValue(value, column);

  if (column.isArray) {
    // unnest flattens multi-dimensional arrays, so each row's array travels as its
    // array literal (built by node-pg, the same text it would send) and is cast back.
    return {
      column,
      name,
      passThrough: false,
      paramType: "text[]",
      read: (alias, as = name) => `${alias}.${as}::${elementType}[]`,
      encode: (value) => {
        const persisted = persist(value);
        return persisted == null ? null : prepareValue(persisted);
      },
    };
  }
  if (elementType === "json" || elementType === "jsonb") {
    // preparePersistentValue already JSON.stringifies; a text element keeps
    // node-pg from turning a JS array into a PostgreSQL array.
    return { column, name, passThrough: false, paramType: `${elementType}[]`, read: (alias, as = name) => `${alias}.${as}`, encode: persist };
  }
  if (column.type === Boolean || elementType === "boolean") {
    // preparePersistentValue maps `Boolean` to 1/0 for other drivers' sake.
    return {
      column,
      name,
      passThrough: false,
      paramType: "boolean[]",
      read: (alias, as = name) => `${alias}.${as}`,
      encode: (value) => {
        const persisted = persist(value);
        return persisted == null ? persisted : persisted === true || persisted === 1 || persisted === "t" || persisted === "true";
      },
    };
  }
  // Plain text and numbers: preparePersistentValue returns them unchanged (its chain of type
  // checks only costs time on the hot path), so they are passed through as they are.
  const simple = typeof column.type === "string" && column.type.startsWith("simple-"); // stored as text, encoded by TypeORM
  const plain = PASS_THROUGH_TYPES.has(elementType) && !simple && !column.transformer;
  return { column, name, passThrough: plain, paramType: `${elementType}[]`, read: (alias, as = name) => `${alias}.${as}`, encode: plain ? identity : persist };
}

const PASS_THROUGH_TYPES = new Set(["character varying", "text", "bpchar", "citext", "uuid", "integer", "smallint", "bigint", "numeric", "double precision", "real"]);

function identity(value: unknown): unknown {
  return value;
}
