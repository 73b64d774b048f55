import type { EntityMetadata } from "typeorm";

const problems = new WeakMap<EntityMetadata, string | null>();

/**
 * TypeORM 0.3's PostgresDriver.escape wraps a name in double quotes without
 * doubling the ones inside it (1.x doubles them), so on 0.3 every query TypeORM
 * builds for an entity whose schema, table or column name contains `"` is
 * invalid SQL: find() and save() fail on it too. The bulk statements quote
 * names themselves, but the loads and the planning go through TypeORM's query
 * builder; rather than PostgreSQL's `syntax error at or near …`, say why.
 * Undefined when TypeORM can query the entity.
 */
export function unquotableNames(metadata: EntityMetadata): string | undefined {
  let problem = problems.get(metadata);
  if (problem === undefined) {
    problem = null;
    if (metadata.connection.driver.escape('"') !== '""""') {
      const names = [metadata.schema, metadata.tableName, ...metadata.columns.map((c) => c.databaseName)];
      const bad = names.filter((n): n is string => !!n && n.includes('"'));
      if (bad.length) {
        problem =
          `${metadata.name} has names containing a double quote (${bad.map((n) => `'${n}'`).join(", ")}), ` +
          `which this TypeORM version cannot query (its PostgreSQL driver does not double them inside quoted names, as TypeORM 1.x does): ` +
          `find() and save() fail on this entity too. Rename them, or upgrade TypeORM to 1.x.`;
      }
    }
    problems.set(metadata, problem);
  }
  return problem ?? undefined;
}
