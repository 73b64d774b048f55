import type { ObjectLiteral } from "typeorm";
import { readExpr, writeStatement } from "./column-access";
import { compileFunction, identifier } from "./compile-function";
import { perEntity } from "./per-entity";

/** An upserted entity standing for an existing row takes the row's values of the columns it leaves undefined. */
export type AdoptUnset = (entity: ObjectLiteral, databaseEntity: ObjectLiteral) => void;

export const adoptUnsetFor = perEntity((metadata): AdoptUnset => {
  const context = new Map<string, unknown>();
  const lines = metadata.columns
    .filter((c) => !c.isVirtual)
    .map(
      (c) =>
        `  if (${readExpr(context, c, "entity")} === undefined) { v = ${readExpr(context, c, "databaseEntity")}; if (v !== undefined) ${writeStatement(context, c, "entity", "v")} }`,
    );
  return compileFunction<AdoptUnset>(
    context,
    `return function adoptUnset${identifier(metadata.name)}(entity, databaseEntity) {\n  let v;\n${lines.join("\n")}\n}`,
  );
});
