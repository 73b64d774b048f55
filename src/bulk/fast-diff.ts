import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { differFor, UNDECIDED } from "./compiled/differ";

/**
 * The columns save() would report as updated for one row, from the entity's
 * compiled differ (compiled/differ.ts), or "slow" when TypeORM's own change
 * computer must decide: an entity the differ does not compile (relations,
 * transformers), or a value of a shape it does not inline (a string in a
 * timestamp column, an invalid Date).
 */
export function fastDiff(
  metadata: EntityMetadata,
  entity: ObjectLiteral,
  databaseEntity: ObjectLiteral,
  previous?: ColumnMetadata[],
): ColumnMetadata[] | typeof UNDECIDED {
  const differ = differFor(metadata);
  return differ ? differ(entity, databaseEntity, previous) : UNDECIDED;
}

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
  "timestamp",
  "timestamptz",
  "timestamp with time zone",
  "timestamp without time zone",
]);

/**
 * fastDiff restricted to entities whose diffed columns are all plain scalars
 * or timestamps ("slow" for any other entity): the rows the first fast path
 * decided, before json, arrays and simple-* columns were compiled too.
 * test/bulk/fast-diff.test.ts holds it to SubjectChangedColumnsComputer.
 */
export function scalarDiff(metadata: EntityMetadata, entity: ObjectLiteral, databaseEntity: ObjectLiteral): ColumnMetadata[] | "slow" {
  const scalar = metadata.columns.filter((c) => !c.isVirtual && !c.isDiscriminator).every((c) => !c.isArray && SCALAR_TYPES.has(typeName(c)));
  return scalar ? fastDiff(metadata, entity, databaseEntity) : UNDECIDED;
}

function typeName(column: ColumnMetadata): string {
  const type = column.type;
  return typeof type === "string" ? type : type === Date ? "timestamp" : type === Number ? "integer" : type === String ? "varchar" : type === Boolean ? "boolean" : "";
}
