import type { ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";

/**
 * A column's value on an entity, as ColumnMetadata.getEntityValue(entity)
 * returns it (no transformer applied). For a column that is an own property
 * (not in an embedded, not a relation's join column) that is `entity[property]`:
 * read directly here, because the writers read every column of every row
 * several times and getEntityValue's checks cost more than the read.
 */
export type ColumnReader = (entity: ObjectLiteral) => unknown;

const readers = new WeakMap<ColumnMetadata, ColumnReader>();

export function readerFor(column: ColumnMetadata): ColumnReader {
  let reader = readers.get(column);
  if (!reader) {
    const own = !column.embeddedMetadata && !column.relationMetadata && !column.referencedColumn;
    const property = column.propertyName;
    reader = own ? (entity) => (entity == null ? entity : entity[property]) : (entity) => column.getEntityValue(entity);
    readers.set(column, reader);
  }
  return reader;
}
