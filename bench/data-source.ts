import "reflect-metadata";
import { DataSource } from "typeorm";
import { User } from "../entities/User";
import { UserAudit } from "../entities/UserAudit";
import { UserAuditSubscriber } from "../entities/UserAuditSubscriber";
import { CreateUsers1700000000000 } from "../entities/migrations/1700000000000-CreateUsers";
import { CountingSubscriber } from "./entities/counting-subscriber";
import { StampingSubscriber } from "./entities/stamping-subscriber";

/**
 * The bench's data source (`-d bench/data-source.ts`): the demo's entities and
 * migration, as ormconfig.ts, with the subscriber chosen by BENCH_SUBSCRIBER:
 * `count` (default: the cheap counting subscriber), `audit` (the demo's
 * UserAuditSubscriber), `stamp` (counting, and setting a column in
 * beforeUpdate) or `none`. Every worker process loads this same file.
 */
export type SubscriberMode = "count" | "audit" | "stamp" | "none";

export const subscriberMode = (process.env.BENCH_SUBSCRIBER ?? "count") as SubscriberMode;

const subscribers = { count: [CountingSubscriber], audit: [UserAuditSubscriber], stamp: [StampingSubscriber], none: [] }[subscriberMode];
if (!subscribers) throw new Error(`BENCH_SUBSCRIBER must be count, audit, stamp or none; got ${subscriberMode}`);

export default new DataSource({
  type: "postgres",
  url: process.env.DATABASE_URL,
  entities: [User, UserAudit],
  subscribers,
  migrations: [CreateUsers1700000000000],
  migrationsRun: true,
  connectTimeoutMS: 10_000,
  extra: { max: 4 },
});
