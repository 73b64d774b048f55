import { DataSource } from "typeorm";
import { runCli, startCli, type CliOptions, type CliResult } from "./cli";
import { createTestDatabase, type TestDatabase } from "./database";

/**
 * One fixture project (a scripts folder, a data-source file and its entities),
 * driven through the real CLI: the single helper each project's tests use.
 */
export interface FixtureProject {
  /** A fresh database with the project's tables. */
  database(prefix: string): Promise<TestDatabase>;
  /** `data-script <args>` on the project, against `db` (or the environment's DATABASE_URL when null). */
  cli(db: TestDatabase | null, args: string[], options?: CliOptions): Promise<CliResult>;
  start(db: TestDatabase | null, args: string[], options?: CliOptions): ReturnType<typeof startCli>;
}

export function fixtureProject(project: { scripts: string; dataSource: string; entities: Function[] }): FixtureProject {
  const withProject = (db: TestDatabase | null, args: string[], options: CliOptions): [string[], CliOptions] => [
    [...args, "--scripts", project.scripts, "-d", project.dataSource, "--no-progress"],
    { ...options, env: { ...(db ? { DATABASE_URL: db.url } : {}), ...options.env } },
  ];
  return {
    async database(prefix) {
      const db = await createTestDatabase(prefix);
      const ds = new DataSource({ type: "postgres", url: db.url, entities: project.entities, synchronize: true });
      await ds.initialize();
      await ds.destroy();
      return db;
    },
    cli: (db, args, options = {}) => runCli(...withProject(db, args, options)),
    start: (db, args, options = {}) => startCli(...withProject(db, args, options)),
  };
}
