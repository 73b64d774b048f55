import "dotenv/config";
import "reflect-metadata";
import { DataSource } from "typeorm";
import { SnakeNamingStrategy } from "typeorm-naming-strategies";

/** As a NestJS app's ormconfig: settings from .env, entities, subscribers and migrations found by globs. */
export const AppDataSource = new DataSource({
  type: "postgres",
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT ?? 5432),
  username: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: process.env.DB_NAME,
  namingStrategy: new SnakeNamingStrategy(),
  entities: [__dirname + "/**/*.entity{.ts,.js}"],
  subscribers: [__dirname + "/subscribers/*.subscriber{.ts,.js}"],
  migrations: [__dirname + "/migrations/*{.ts,.js}"],
  synchronize: process.env.DB_SYNCHRONIZE === "true",
});
