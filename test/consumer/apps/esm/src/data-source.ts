import "reflect-metadata";
import { DataSource } from "typeorm";
import { Author } from "./entities/author.js";
import { Book } from "./entities/book.js";

export const AppDataSource = new DataSource({
  type: "postgres",
  url: process.env.APP_DATABASE_URL,
  entities: [Author, Book],
  synchronize: true,
});
