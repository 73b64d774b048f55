import "reflect-metadata";
import { DataSource } from "typeorm";
import { WideUser } from "./entities";

/** The partial-row bench's data source: one entity, no subscriber (bench/partial/run.ts creates its table). */
export default new DataSource({
  type: "postgres",
  url: process.env.DATABASE_URL,
  entities: [WideUser],
  connectTimeoutMS: 10_000,
  extra: { max: 4 },
});
