import type { Logger } from "typeorm";

/**
 * A TypeORM logger that hands every statement to `onQuery` (TypeORM calls
 * logQuery before it sends each one) and ignores everything else: the one SQL
 * log the tests and fixtures build theirs on.
 */
export class QueryLogger implements Logger {
  constructor(private readonly onQuery: (sql: string, params?: unknown[]) => void) {}
  logQuery(sql: string, params?: unknown[]) {
    this.onQuery(sql, params);
  }
  logQueryError() {}
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration() {}
  log() {}
}
