import "reflect-metadata";
import { DataSource } from "typeorm";
// NodeNext style: the emitted file's name for a .ts source.
import { Account } from "./entities/account.js";
import { AccountSubscriber, EventLog } from "./entities/account-subscriber.js";

/** Configured with fields, not a URL, as many apps do. */
export const AppDataSource = new DataSource({
  type: "postgres",
  host: process.env.APP_DB_HOST,
  port: Number(process.env.APP_DB_PORT ?? 5432),
  username: process.env.APP_DB_USER,
  password: process.env.APP_DB_PASSWORD,
  database: process.env.APP_DB_NAME,
  entities: [Account, EventLog],
  subscribers: [AccountSubscriber],
  synchronize: true,
});
