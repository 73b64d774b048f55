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
export const hydratorFor = perEntityAnd(compileHydrator);

function compileHydrator(metadata: EntityMetadata, alias: string): Hydrator {
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
    const key = JSON.stringify(DriverUtils.buildAlias(driver, undefined, alias, column.databaseName));
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
  return compileFunction<Hydrator>(context, source);
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
