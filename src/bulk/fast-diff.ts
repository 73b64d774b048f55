import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { readerFor } from "./column-value";

/**
 * The common case of save()'s change detection, without building a Subject
 * per row: entities whose columns are all scalars (no relations, transformers,
 * json, arrays, simple-* or date-only types). For these,
 * SubjectChangedColumnsComputer compares with `===`, and timestamps by their
 * UTC text to the millisecond — the same as comparing getTime(). Anything else
 * (or a value of an unexpected shape) returns `"slow"` and goes through
 * TypeORM's own computer; the save() parity tests cover both paths.
 */
const SCALAR_TYPES = new Set([
  "integer",
  "int",
  "int4",
  "smallint",
  "int2",
  "bigint",
  "int8",
  "numeric",
  "decimal",
  "double precision",
  "float8",
  "real",
  "float4",
  "character varying",
  "varchar",
  "text",
  "character",
  "char",
  "citext",
  "uuid",
  "boolean",
  "bool",
  "enum",
]);
const TIMESTAMP_TYPES = new Set(["timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone"]);

const scalarColumns = new WeakMap<EntityMetadata, ColumnMetadata[] | null>();

/** The columns save() diffs, when every one of them is a scalar; null otherwise. */
export function scalarColumnsOf(metadata: EntityMetadata): ColumnMetadata[] | null {
  let columns = scalarColumns.get(metadata);
  if (columns === undefined) {
    const diffed = metadata.columns.filter((c) => !c.isVirtual && !c.isDiscriminator);
    const scalar =
      metadata.relations.length === 0 &&
      diffed.every((c) => !c.transformer && !c.isArray && !c.relationMetadata && (isScalarType(c) || isTimestamp(c)));
    columns = scalar ? diffed : null;
    scalarColumns.set(metadata, columns);
  }
  return columns;
}

function typeName(column: ColumnMetadata): string {
  return typeof column.type === "string" ? column.type : column.type === Date ? "timestamp" : column.type === Number ? "integer" : column.type === String ? "varchar" : column.type === Boolean ? "boolean" : "";
}

function isScalarType(column: ColumnMetadata): boolean {
  return SCALAR_TYPES.has(typeName(column));
}

function isTimestamp(column: ColumnMetadata): boolean {
  return TIMESTAMP_TYPES.has(typeName(column));
}

/** The columns save() would report as updated, or "slow" when this row needs TypeORM's full computer. */
export function scalarDiff(metadata: EntityMetadata, entity: ObjectLiteral, databaseEntity: ObjectLiteral): ColumnMetadata[] | "slow" {
  const columns = scalarColumnsOf(metadata);
  if (!columns) return "slow";
  // Allocated at the first difference, at its size: this runs twice per row of every chunk.
  let updated: ColumnMetadata[] | undefined;
  for (const column of columns) {
    const read = readerFor(column);
    const now = read(entity);
    if (now === undefined) continue;
    const before = read(databaseEntity);
    if (now === before) continue;
    if (now === null || before === null) {
      updated = updated ? [...updated, column] : [column];
      continue;
    }
    if (now instanceof Date || before instanceof Date) {
      if (!(now instanceof Date && before instanceof Date)) return "slow";
      const a = now.getTime();
      const b = before.getTime();
      if (Number.isNaN(a) || Number.isNaN(b)) return "slow";
      if (a !== b) updated = updated ? [...updated, column] : [column];
      continue;
    }
    if (typeof now === "object" || typeof before === "object") return "slow";
    updated = updated ? [...updated, column] : [column];
  }
  return updated ?? [];
}
