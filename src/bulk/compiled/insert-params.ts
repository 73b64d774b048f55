import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { BuiltStatement } from "../sql";
import { readExpr } from "./column-access";
import { bind, compileFunction, identifier } from "./compile-function";
import { arrayLiteral } from "../array-literal";
import { encodedExpr } from "./encoded-value";
import { perEntityAnd } from "./per-entity";

/**
 * The value an INSERT writes for a column of one row (insert-columns.ts): the
 * discriminator's value; else the entity's value, or for an upserted row that
 * exists (`existing`) and leaves it unset, the row's current value; a version
 * left unset starts at 1. Generated code: sets `v` from `e` and `ex`.
 */
function valueCode(context: Map<string, unknown>, metadata: EntityMetadata, column: ColumnMetadata): string {
  if (column.isDiscriminator) return `v = ${bind(context, "discriminator", metadata.discriminatorValue)};`;
  let code = `v = ${readExpr(context, column, "e")}; if (v === undefined && ex !== undefined) v = ${readExpr(context, column, "ex")};`;
  if (column.isVersion) code += ` if (v === undefined) v = 1;`;
  return code;
}

/** How many rows give each column a value (not undefined): `current` maps an upserted entity to its existing row. */
export type DefinedCounts = (entities: ObjectLiteral[], current: Map<ObjectLiteral, ObjectLiteral> | undefined) => number[];

export const definedCountsFor = perEntityAnd((metadata, columns: ColumnMetadata[]): DefinedCounts => {
  const context = new Map<string, unknown>();
  const body = columns.map((c, k) => `    ${valueCode(context, metadata, c)} if (v !== undefined) counts[${k}]++;`).join("\n");
  return compileFunction<DefinedCounts>(
    context,
    `return function definedCounts${identifier(metadata.name)}(entities, current) {\n` +
      `  const counts = new Array(${columns.length}).fill(0);\n` +
      `  let e, ex, v;\n` +
      `  for (let i = 0; i < entities.length; i++) {\n` +
      `    e = entities[i]; ex = current === undefined ? undefined : current.get(e);\n` +
      `${body}\n` +
      `  }\n` +
      `  return counts;\n` +
      `}`,
  );
});

/** The array parameters (as literals) of an INSERT built by buildInsert: one per column, then one default flag per fallback. */
export type InsertParams = (entities: ObjectLiteral[], current: Map<ObjectLiteral, ObjectLiteral> | undefined) => string[];

export const insertParamsFor = perEntityAnd(compileInsertParams, (statement: BuiltStatement) => statement.sql);

function compileInsertParams(metadata: EntityMetadata, statement: BuiltStatement): InsertParams {
  if (!statement.params.length) return () => []; // every value a default: the row count is the only parameter
  const context = new Map<string, unknown>([["arrayLiteral", arrayLiteral]]);
  const arrays = statement.params.map((_, k) => `a${k}`);
  const fills = statement.params.map(({ codec, role }, k) => {
    const value = valueCode(context, metadata, codec.column);
    if (role === "default") return `    ${value} a${k}[i] = v === undefined;`;
    if (role === "value") return `    ${value} a${k}[i] = ${encodedExpr(context, codec, "v")};`;
    throw new Error(`insert statements have no ${role} parameters`);
  });
  const source =
    `return function insertParams${identifier(metadata.name)}(entities, current) {\n` +
    `  const n = entities.length;\n` +
    `  const ${arrays.map((a) => `${a} = new Array(n)`).join(", ")};\n` +
    `  let e, ex, v, x;\n` +
    `  for (let i = 0; i < n; i++) {\n` +
    `    e = entities[i]; ex = current === undefined ? undefined : current.get(e);\n` +
    `${fills.join("\n")}\n` +
    `  }\n` +
    `  return [${arrays.map((a) => `arrayLiteral(${a})`).join(", ")}];\n` +
    `}`;
  return compileFunction<InsertParams>(context, source);
}
