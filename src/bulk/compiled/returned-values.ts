import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { writeStatement, readExpr } from "./column-access";
import { compileFunction, identifier } from "./compile-function";
import { hydrateValueExpr } from "./hydrate-value";
import { perEntity, perEntityAnd } from "./per-entity";

/** Merges what a statement returned for one row (generated keys, dates, versions, defaults) into its entity. */
export type ApplyReturned = (entity: ObjectLiteral, row: ObjectLiteral) => void;

/**
 * For each returned column present in the row: set it to
 * driver.prepareHydratedValue(value), as TypeORM hydrates it.
 */
export const applyReturnedFor = perEntityAnd(
  (metadata, columns: ColumnMetadata[]): ApplyReturned => {
    const context = new Map<string, unknown>([["driver", metadata.connection.driver]]);
    const lines = columns.map((column) => {
      const name = JSON.stringify(column.databaseName);
      return `  if (${name} in row) { v = row[${name}]; ${writeStatement(context, column, "entity", hydrateValueExpr(context, column, "v"))} }`;
    });
    return compileFunction<ApplyReturned>(
      context,
      `return function applyReturned${identifier(metadata.name)}(entity, row) {\n  let v;\n${lines.join("\n")}\n}`,
    );
  },
  (columns) => columns.map((c) => c.databaseName).join("\u0000"),
);

/** save() leaves the nullable columns it got no value for as null, not undefined. */
export type SetMissingNullables = (entity: ObjectLiteral) => void;

export const setMissingNullablesFor = perEntity((metadata): SetMissingNullables => {
  const context = new Map<string, unknown>();
  const lines = metadata.columns
    .filter((c) => !c.isVirtual && !c.isDeleteDate && c.isNullable)
    .filter((c) => !metadata.childEntityMetadatas.some((child) => child.target === c.target))
    .map((c) => `  if (${readExpr(context, c, "entity")} === undefined) ${writeStatement(context, c, "entity", "null")}`);
  return compileFunction<SetMissingNullables>(
    context,
    `return function setMissingNullables${identifier(metadata.name)}(entity) {\n${lines.join("\n")}\n}`,
  );
});
