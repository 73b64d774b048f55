const { DataSource } = require("typeorm");
const { AuthorSchema, BookSchema } = require("./entities/schemas");

/** A plain JavaScript app: entities as EntitySchema, no decorators, no compiler. */
const dataSource = new DataSource({
  type: "postgres",
  url: process.env.APP_DATABASE_URL,
  entities: [AuthorSchema, BookSchema],
  synchronize: true,
});

module.exports = { dataSource };
