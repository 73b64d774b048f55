import type { SelectQueryBuilder } from "typeorm";
import { UsageError } from "../errors";
import { isThenable, type DataScript } from "./data-script";

/**
 * The script's `where(qb, ctx)`: it must return the query builder (`return qb.where(…)`). One
 * that forgets to (a block body without return, an async where) would fail later with a
 * TypeError about `select` of undefined, naming nothing of the script.
 */
export function applyWhere<Q extends SelectQueryBuilder<any>>(script: DataScript, qb: Q, ctx: unknown): Q {
  if (!script.where) return qb;
  const result = script.where(qb as never, ctx as never) as unknown;
  if (result !== null && typeof result === "object" && typeof (result as Q).getQueryAndParameters === "function" && !isThenable(result)) return result as Q;
  const got = result === undefined ? "undefined" : isThenable(result) ? "a promise (where() cannot be async)" : result === null ? "null" : `a ${typeof result}`;
  throw new UsageError(`${script.constructor.name}.where() must return the query builder it is given (return qb.where(…)); it returned ${got}`);
}
