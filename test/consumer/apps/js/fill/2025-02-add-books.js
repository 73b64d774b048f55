const { DataScript } = require("typeorm-data-script");
const { Book } = require("../entities/schemas");

module.exports = class AddBooks extends DataScript {
  static description = "Add 300 books to the first author";
  entity = Book;
  chunkSize = 100;

  *source() {
    for (let n = 1; n <= 300; n++) yield { n };
  }

  mutate({ n }, ctx) {
    return ctx.manager.create(Book, { title: `added ${n}`, authorId: 1 });
  }
};
