import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { bind, prop } from "./compile-function";

/**
 * How generated code reads and writes one column on an entity. A column that
 * is an own property (not in an embedded, not a relation's join column) is
 * `entity[property]`, exactly what ColumnMetadata.get/setEntityValue do for
 * it; any other column goes through those two methods themselves.
 */
export function isOwnColumn(column: ColumnMetadata): boolean {
  return !column.embeddedMetadata && !column.relationMetadata && !column.referencedColumn;
}

export function readExpr(context: Map<string, unknown>, column: ColumnMetadata, object: string): string {
  if (isOwnColumn(column)) return `${object}${prop(column.propertyName)}`;
  return `${columnRef(context, column)}.getEntityValue(${object})`;
}

export function writeStatement(context: Map<string, unknown>, column: ColumnMetadata, object: string, value: string): string {
  if (isOwnColumn(column)) return `${object}${prop(column.propertyName)} = ${value};`;
  return `${columnRef(context, column)}.setEntityValue(${object}, ${value});`;
}

/** The name under which `column` is bound in `context` (bound once). */
export function columnRef(context: Map<string, unknown>, column: ColumnMetadata): string {
  for (const [name, value] of context) if (value === column) return name;
  return bind(context, "column", column);
}
