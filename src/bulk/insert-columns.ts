import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { codecFor, quotedTable, type ColumnCodec } from "./column-codec";
import { definedCountsFor, insertParamsFor } from "./compiled/insert-params";
import type { BuiltStatement } from "./sql";

/**
 * Which columns an INSERT of these entities names. save() writes DEFAULT for
 * an undefined value; one statement for many rows can't, so a column
 * undefined in EVERY row is left out (the database default applies), and a
 * column undefined in only SOME rows takes its default expression in those
 * rows, chosen by a per-row flag: not COALESCE, which would also replace a
 * null the script set on purpose. (The value of a column in a row is
 * compiled/insert-params.ts's valueCode.)
 */
export interface InsertPlan {
  columns: ColumnCodec[];
  /** Default expressions of the columns some rows leave undefined. */
  fallbacks: Map<ColumnCodec, string>;
  returning: ColumnCodec[];
  /** Upserts: the database state of the rows that exist. */
  current?: Map<ObjectLiteral, ObjectLiteral>;
}

/**
 * `current` (upserts): the database state of rows that exist; a column such a
 * row leaves unset is written with its current value, never a default.
 */
export function planInsert(metadata: EntityMetadata, entities: ObjectLiteral[], current?: Map<ObjectLiteral, ObjectLiteral>): InsertPlan {
  const driver = metadata.connection.driver;
  const insertable = insertableColumns(metadata);
  const defined = definedCountsFor(metadata, insertable)(entities, current);
  const columns: ColumnCodec[] = [];
  const fallbacks = new Map<ColumnCodec, string>();
  insertable.forEach((column, k) => {
    if (defined[k] === 0) return;
    const codec = codecFor(column);
    columns.push(codec);
    if (defined[k] < entities.length) {
      const fallback = defaultExpression(metadata, column, driver.normalizeDefault(column));
      if (fallback) fallbacks.set(codec, fallback);
    }
  });
  return { columns, fallbacks, returning: returningColumns(metadata), current };
}

/** The statement's array parameters for these entities: one array per column, then one flag array per fallback. */
export function insertParams(metadata: EntityMetadata, statement: BuiltStatement, plan: InsertPlan, entities: ObjectLiteral[]): unknown[] {
  const params: unknown[] = insertParamsFor(metadata, statement)(entities, plan.current);
  if (statement.rowCountParam) params.push(entities.length);
  return params;
}

const insertable = new WeakMap<EntityMetadata, ColumnMetadata[]>();

// Not `isVirtual`: TypeORM marks the discriminator and implicit join columns
// (`vet_id` of `vet: Owner`) virtual, yet they are table columns save() writes.
// `isVirtualProperty` (@VirtualColumn) is the one not in the table.
function insertableColumns(metadata: EntityMetadata): ColumnMetadata[] {
  let columns = insertable.get(metadata);
  if (!columns) {
    columns = metadata.columns.filter((c) => !c.isVirtualProperty && c.isInsert && c.asExpression === undefined);
    insertable.set(metadata, columns);
  }
  return columns;
}

const returning = new WeakMap<EntityMetadata, ColumnCodec[]>();

function returningColumns(metadata: EntityMetadata): ColumnCodec[] {
  let codecs = returning.get(metadata);
  if (!codecs) {
    codecs = metadata.columns
      .filter((c) => c.isPrimary || c.isGenerated || c.isCreateDate || c.isUpdateDate || c.isVersion || c.default !== undefined || c.asExpression !== undefined)
      .filter((c) => !c.isVirtual)
      .map(codecFor);
    returning.set(metadata, codecs);
  }
  return codecs;
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
