import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { codecFor, type ColumnCodec } from "./column-codec";
import type { BuiltStatement } from "./sql";

/**
 * Which columns an INSERT of these entities names, and how each row's value is
 * read. save() writes DEFAULT for an undefined value; one statement for many
 * rows can't, so a column undefined in EVERY row is left out (the database
 * default applies), and a column undefined in only SOME rows takes its default
 * expression in those rows, chosen by a per-row flag: not COALESCE, which
 * would also replace a null the script set on purpose.
 */
export interface InsertPlan {
  columns: ColumnCodec[];
  /** Default expressions of the columns some rows leave undefined. */
  fallbacks: Map<ColumnCodec, string>;
  valueOf(column: ColumnMetadata, entity: ObjectLiteral): unknown;
  returning: ColumnCodec[];
}

export function planInsert(metadata: EntityMetadata, entities: ObjectLiteral[]): InsertPlan {
  const driver = metadata.connection.driver;
  const valueOf = (column: ColumnMetadata, entity: ObjectLiteral): unknown => {
    if (column.isDiscriminator) return metadata.discriminatorValue;
    if (column.isVersion && column.getEntityValue(entity) === undefined) return 1;
    return column.getEntityValue(entity);
  };
  const columns: ColumnCodec[] = [];
  const fallbacks = new Map<ColumnCodec, string>();
  for (const column of insertableColumns(metadata)) {
    const defined = entities.filter((e) => valueOf(column, e) !== undefined).length;
    if (defined === 0) continue;
    const codec = codecFor(column);
    columns.push(codec);
    if (defined < entities.length) {
      const fallback = defaultExpression(metadata, column, driver.normalizeDefault(column));
      if (fallback) fallbacks.set(codec, fallback);
    }
  }
  const returning = metadata.columns
    .filter((c) => c.isPrimary || c.isGenerated || c.isCreateDate || c.isUpdateDate || c.isVersion || c.default !== undefined || c.asExpression !== undefined)
    .filter((c) => !c.isVirtual)
    .map(codecFor);
  return { columns, fallbacks, valueOf, returning };
}

/** The statement's array parameters for these entities: one array per column, then one flag array per fallback. */
export function insertParams(statement: BuiltStatement, plan: InsertPlan, entities: ObjectLiteral[]): unknown[] {
  const params: unknown[] = statement.params.map(({ codec, role }) =>
    role === "default"
      ? entities.map((e) => plan.valueOf(codec.column, e) === undefined)
      : entities.map((e) => codec.encode(plan.valueOf(codec.column, e))),
  );
  if (statement.rowCountParam) params.push(entities.length);
  return params;
}

function insertableColumns(metadata: EntityMetadata): ColumnMetadata[] {
  return metadata.columns.filter(
    (c) => !c.isVirtual && c.isInsert && c.asExpression === undefined && !(c.relationMetadata && c.isVirtualProperty),
  );
}

function defaultExpression(metadata: EntityMetadata, column: ColumnMetadata, normalized: string | undefined): string | undefined {
  if (column.isGenerated && column.generationStrategy === "increment") {
    const table = metadata.schema ? `${metadata.schema}.${metadata.tableName}` : metadata.tableName;
    return `nextval(pg_get_serial_sequence('${table.replace(/'/g, "''")}', '${column.databaseName.replace(/'/g, "''")}'))`;
  }
  if (column.isGenerated && column.generationStrategy === "uuid") return "gen_random_uuid()";
  if (column.isCreateDate || column.isUpdateDate) return normalized ?? "now()";
  return normalized;
}
