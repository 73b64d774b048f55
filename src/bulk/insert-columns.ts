import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { arrayLiteral } from "./array-literal";
import { codecFor, quotedTable, type ColumnCodec } from "./column-codec";
import type { BuiltStatement } from "./sql";
import { readerFor } from "./column-value";

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

/**
 * `current` (upserts): the database state of rows that exist; a column such a
 * row leaves unset is written with its current value, never a default.
 */
export function planInsert(metadata: EntityMetadata, entities: ObjectLiteral[], current?: Map<ObjectLiteral, ObjectLiteral>): InsertPlan {
  const driver = metadata.connection.driver;
  const valueOf = (column: ColumnMetadata, entity: ObjectLiteral): unknown => {
    if (column.isDiscriminator) return metadata.discriminatorValue;
    let value = readerFor(column)(entity);
    const existing = current?.get(entity);
    if (value === undefined && existing) value = readerFor(column)(existing);
    if (column.isVersion && value === undefined) return 1;
    return value;
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
    arrayLiteral(
      role === "default"
        ? entities.map((e) => plan.valueOf(codec.column, e) === undefined)
        : entities.map((e) => codec.encode(plan.valueOf(codec.column, e))),
    ),
  );
  if (statement.rowCountParam) params.push(entities.length);
  return params;
}

// Not `isVirtual`: TypeORM marks the discriminator and implicit join columns
// (`vet_id` of `vet: Owner`) virtual, yet they are table columns save() writes.
// `isVirtualProperty` (@VirtualColumn) is the one not in the table.
function insertableColumns(metadata: EntityMetadata): ColumnMetadata[] {
  return metadata.columns.filter((c) => !c.isVirtualProperty && c.isInsert && c.asExpression === undefined);
}

function defaultExpression(metadata: EntityMetadata, column: ColumnMetadata, normalized: string | undefined): string | undefined {
  // "identity" (@PrimaryGeneratedColumn("identity")) is a runtime strategy TypeORM's types omit.
  const strategy = column.generationStrategy as string | undefined;
  if (column.isGenerated && (strategy === "increment" || strategy === "identity")) {
    // The table argument is parsed as SQL (so quoted: mixed case, spaces); the column one is taken literally.
    const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
    return `nextval(pg_get_serial_sequence(${literal(quotedTable(metadata))}, ${literal(column.databaseName)}))`;
  }
  if (column.isGenerated && column.generationStrategy === "uuid") return "gen_random_uuid()";
  if (column.isCreateDate || column.isUpdateDate) return normalized ?? "now()";
  return normalized;
}
