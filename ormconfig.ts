import "reflect-metadata";
import { DataSource } from "typeorm";
import { User } from "./entities/User";
import { UserAudit } from "./entities/UserAudit";
import { UserAuditSubscriber } from "./entities/UserAuditSubscriber";
import { CreateUsers1700000000000 } from "./entities/migrations/1700000000000-CreateUsers";

/**
 * The demo app's DataSource. The CLI sets DATABASE_URL to its embedded
 * PostgreSQL when it is unset; every worker process loads this same file.
 */
export default new DataSource({
  type: "postgres",
  url: process.env.DATABASE_URL,
  entities: [User, UserAudit],
  subscribers: [UserAuditSubscriber],
  migrations: [CreateUsers1700000000000],
  // Schema comes from migrations, applied on initialize (a no-op once applied).
  migrationsRun: true,
  connectTimeoutMS: 10_000,
  extra: { max: 4 },
});
