import type { Client } from "pg";
import type { DataSource } from "typeorm";
import { EVENT_COUNTS_DDL } from "./entities/event-counts";

/**
 * The bench database's schema: the demo's migration, applied through the bench
 * data source (as the runner's workers will find it), plus the event counter table.
 */
export async function prepareDatabase(db: Client, url: string): Promise<void> {
  process.env.DATABASE_URL = url;
  process.env.BENCH_SUBSCRIBER = "none";
  // Required only now: the data source reads DATABASE_URL when it is loaded.
  const dataSource: DataSource = require("./data-source").default;
  await dataSource.initialize();
  await dataSource.destroy();
  await db.query(EVENT_COUNTS_DDL);
}
