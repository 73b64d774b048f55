import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { bulkInsert } from "../bulk/bulk-insert";
import { codecFor, quotedTable, quoteIdent } from "../bulk/column-codec";
import type { UndoImage } from "./undo-image";

/** What re-inserting a chunk's removed rows did. */
export interface ReinsertResult {
  reinserted: number;
  /** Keys another row holds now (live traffic re-used them): those rows are left as they are. */
  skippedKeys: ObjectLiteral[];
}

/**
 * Puts back the rows a chunk deleted, whole, through bulkInsert (so
 * beforeInsert/afterInsert fire): each row's kept values are read back with
 * their columns' casts and hydrated as TypeORM hydrates them. A key some row
 * holds now (live traffic re-used it, or a soft-removed row has it) is not
 * touched: that row is skipped and its key reported.
 */
export async function reinsertRemoved(manager: EntityManager, metadata: EntityMetadata, image: NonNullable<UndoImage["removed"]>): Promise<ReinsertResult> {
  const columns = image.columns.map((name) => {
    const column = metadata.findColumnWithDatabaseName(name);
    if (!column) throw new Error(`the before-images name a column ${metadata.name} no longer has: ${name}`);
    return column;
  });
  const codecs = columns.map(codecFor);
  const keyAt = metadata.primaryColumns.map((key) => columns.indexOf(key));
  if (keyAt.some((i) => i < 0)) throw new Error(`the before-images of ${metadata.name}'s removed rows lack its primary key`);
  const fields = codecs.map((_, i) => `c${i}`);
  const rows: ObjectLiteral[] = await manager.query(
    `SELECT ${codecs.map((c, i) => `${c.read("v", fields[i])} AS ${quoteIdent(fields[i])}`).join(", ")},
            EXISTS (SELECT 1 FROM ${quotedTable(metadata)} AS t WHERE ${keyAt.map((k) => `t.${codecs[k].name} = ${codecs[k].read("v", fields[k])}`).join(" AND ")}) AS taken
     FROM unnest(${codecs.map((c, i) => `$${i + 1}::${c.paramType}`).join(", ")}) WITH ORDINALITY AS v(${fields.join(", ")}, __ord)
     ORDER BY v.__ord`,
    image.values,
  );
  const driver = metadata.connection.driver;
  const entities: ObjectLiteral[] = [];
  const skippedKeys: ObjectLiteral[] = [];
  for (const row of rows) {
    const entity = metadata.create() as ObjectLiteral;
    columns.forEach((column, i) => setValue(entity, column, driver.prepareHydratedValue(row[fields[i]], column)));
    if (row.taken) skippedKeys.push(metadata.getEntityIdMap(entity)!);
    else entities.push(entity);
  }
  const { inserted } = await bulkInsert(manager, entities);
  return { reinserted: inserted, skippedKeys };
}

/** A relation's join column set to null leaves the relation null (an object with a null key would read as an unsaved row). */
function setValue(entity: ObjectLiteral, column: ColumnMetadata, value: unknown): void {
  if (value === null && column.relationMetadata && column.referencedColumn) column.relationMetadata.setEntityValue(entity, null);
  else column.setEntityValue(entity, value);
}
