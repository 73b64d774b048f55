const { DataScript } = require("typeorm-data-script");
const { Book } = require("../entities/schemas");

module.exports = class RetitleBooks extends DataScript {
  static description = "Upper-case every title";
  entity = Book;
  chunkSize = 100;

  mutate(book) {
    book.title = book.title.toUpperCase();
  }
};
