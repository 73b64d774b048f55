import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { arrayLiteral } from "../array-literal";
import type { RowChange } from "../change-set";
import type { BuiltStatement } from "../sql";
import { columnRef, readExpr } from "./column-access";
import { compileFunction, identifier } from "./compile-function";
import { encodedExpr } from "./encoded-value";
import { perEntityAnd } from "./per-entity";

/** The array parameters (as literals) of an UPDATE … FROM unnest built by buildUpdate, for these changes. */
export type UpdateParams = (changes: RowChange<ObjectLiteral>[]) => string[];

/**
 * One pass over the changes fills every array of the statement: keys from the
 * database state, values of written columns (null where a row does not write
 * that column), the per-row flags of partly written columns, and the loaded
 * versions; each becomes its literal by arrayLiteral. Compiled once per
 * statement text (chunks of the same shape share it).
 */
export const updateParamsFor = perEntityAnd(compileUpdateParams, (statement: BuiltStatement) => statement.sql);

function compileUpdateParams(metadata: EntityMetadata, statement: BuiltStatement): UpdateParams {
  const context = new Map<string, unknown>([["arrayLiteral", arrayLiteral]]);
  const fills = statement.params.map(({ codec, role }, k) => {
    const column = codec.column;
    switch (role) {
      case "key":
        return `    v = ${readExpr(context, column, "d")}; a${k}[i] = ${encodedExpr(context, codec, "v")};`;
      case "value":
        return `    if (w.has(${columnRef(context, column)})) { v = ${readExpr(context, column, "e")}; a${k}[i] = ${encodedExpr(context, codec, "v")}; } else a${k}[i] = null;`;
      case "flag":
        return `    a${k}[i] = w.has(${columnRef(context, column)});`;
      case "version":
        return `    a${k}[i] = ${readExpr(context, column, "d")};`;
      default:
        throw new Error(`update statements have no ${role} parameters`);
    }
  });
  const arrays = statement.params.map((_, k) => `a${k}`);
  const source =
    `return function updateParams${identifier(metadata.name)}(changes) {\n` +
    `  const n = changes.length;\n` +
    `  const ${arrays.map((a) => `${a} = new Array(n)`).join(", ")};\n` +
    `  let c, e, d, w, v, x;\n` +
    `  for (let i = 0; i < n; i++) {\n` +
    `    c = changes[i]; e = c.entity; d = c.databaseEntity; w = c.writeColumns;\n` +
    `${fills.join("\n")}\n` +
    `  }\n` +
    `  return [${arrays.map((a) => `arrayLiteral(${a})`).join(", ")}];\n` +
    `}`;
  return compileFunction<UpdateParams>(context, source);
}
