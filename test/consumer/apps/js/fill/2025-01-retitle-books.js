const { DataScript } = require("typeorm-data-script");
const { BookSchema } = require("../entities/schemas");

module.exports = class RetitleBooks extends DataScript {
  static description = "Upper-case every title";
  entity = BookSchema;
  chunkSize = 100;

  mutate(book) {
    book.title = book.title.toUpperCase();
  }
};
