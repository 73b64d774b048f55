import type { ObjectLiteral, QueryRunner } from "typeorm";
import type { BuiltStatement } from "./sql";

const STATEMENT = Symbol("data-script bulk statement");

/**
 * Runs a writer's one statement. When PostgreSQL refuses it, the error carries
 * the statement that failed, so whoever explains the error knows it came from
 * the bulk write and not from a subscriber's own query in the same transaction.
 */
export async function runStatement(qr: QueryRunner, statement: BuiltStatement, params: unknown[]): Promise<ObjectLiteral[]> {
  try {
    return (await qr.query(statement.sql, params, true)).records;
  } catch (error) {
    if (error && typeof error === "object") Object.defineProperty(error, STATEMENT, { value: statement, enumerable: false });
    throw error;
  }
}

/** The bulk statement an error was raised by; undefined for any other error. */
export function failedStatement(error: unknown): BuiltStatement | undefined {
  return error && typeof error === "object" ? (error as { [STATEMENT]?: BuiltStatement })[STATEMENT] : undefined;
}
