import type { EntityMetadata, ObjectLiteral, QueryRunner } from "typeorm";
import { DriverUtils } from "typeorm/driver/DriverUtils";
import { writeStatement } from "./column-access";
import { bind, compileFunction, identifier } from "./compile-function";
import { hydrateValueExpr } from "./hydrate-value";
import { perEntityAnd } from "./per-entity";

/** Raw row (keys as TypeORM aliases them: `row_username`) → entity, or undefined as TypeORM's transformer returns for a row of nulls. */
export type Hydrator = (raw: ObjectLiteral, queryRunner: QueryRunner | undefined) => ObjectLiteral | undefined;

/**
 * The compiled form of what TypeORM's RawSqlResultsToEntityTransformer does for
 * one row of a query on `metadata` under `alias` that selects the whole entity
 * and joins nothing: create the entity as metadata.create(…, { fromDeserializer })
 * does, then set each selected column to driver.prepareHydratedValue(raw value),
 * in metadata.columns order. Entities of a single-table-inheritance hierarchy
 * and views are not compiled: load them through TypeORM (see load-entities.ts).
 */
export const hydratorFor = perEntityAnd((metadata: EntityMetadata, alias: string) => compileHydrator<ObjectLiteral>(metadata, alias, (key) => JSON.stringify(key)));

/** A row as node-pg's `rowMode: "array"` gives it: values by position (`fields` names them) → entity, or undefined. */
export type PositionalHydrator = (raw: unknown[], queryRunner: QueryRunner | undefined) => ObjectLiteral | undefined;

/** hydratorFor for rows as arrays: each column read by its position in `fields` (the statement's output names); one per field list. */
export const positionalHydratorFor = perEntityAnd(
  (metadata: EntityMetadata, query: { alias: string; fields: readonly string[] }) => {
    const positions = new Map(query.fields.map((name, i) => [name, i]));
    // A name twice is not a row the positions can tell apart: the caller hydrates by name instead.
    if (positions.size !== query.fields.length) return undefined;
    return compileHydrator<unknown[]>(metadata, query.alias, (key) => positions.get(key)?.toString());
  },
  (query) => `${query.alias}\u0000${query.fields.join("\u0000")}`,
);

/** `at(key)`: the expression that indexes `raw` for the column TypeORM aliases `key`; undefined: the row has no such value. */
function compileHydrator<Raw>(metadata: EntityMetadata, alias: string, at: (key: string) => string | undefined): (raw: Raw, queryRunner: QueryRunner | undefined) => ObjectLiteral | undefined {
  const driver = metadata.connection.driver;
  const context = new Map<string, unknown>([
    ["driver", driver],
    ["metadata", metadata],
  ]);
  const lines: string[] = [];
  const columns = metadata.columns.filter(
    (c) => !c.isVirtual && !metadata.childEntityMetadatas.some((child) => child.target === c.target),
  );
  for (const column of columns) {
    const key = at(DriverUtils.buildAlias(driver, undefined, alias, column.databaseName));
    if (key === undefined) continue;
    lines.push(
      `  v = raw[${key}];`,
      `  if (v !== undefined) {`,
      // TypeORM drops an entity whose selected columns are all null (a left join's missing side).
      column.isVirtualProperty ? "" : `    if (v !== null) hasData = true;`,
      `    ${writeStatement(context, column, "entity", hydrateValueExpr(context, column, "v"))}`,
      `  }`,
    );
  }
  const source =
    `return function hydrate${identifier(metadata.name)}(raw, queryRunner) {\n` +
    `  const entity = ${createExpr(context, metadata)};\n` +
    `  let v, hasData = false;\n` +
    `${lines.filter(Boolean).join("\n")}\n` +
    `  return hasData ? entity : undefined;\n` +
    `}`;
  return compileFunction<(raw: Raw, queryRunner: QueryRunner | undefined) => ObjectLiteral | undefined>(context, source);
}

// metadata.create(queryRunner, { fromDeserializer: true }) inline for the usual entity class.
function createExpr(context: Map<string, unknown>, metadata: EntityMetadata): string {
  const target = metadata.target;
  if (typeof target !== "function" || metadata.connection.options.typename || metadata.lazyRelations.length) {
    return `metadata.create(queryRunner, { fromDeserializer: true, pojo: false })`;
  }
  if (metadata.isAlwaysUsingConstructor) return `new ${bind(context, "Entity", target)}()`;
  return `Object.create(${bind(context, "prototype", target.prototype)})`;
}
