const { DataScript } = require("typeorm-data-script");
const { BookSchema } = require("../entities/schemas");

module.exports = class AddBooks extends DataScript {
  static description = "Add 300 books to the first author";
  entity = BookSchema;
  chunkSize = 100;

  *source() {
    for (let n = 1; n <= 300; n++) yield { n };
  }

  mutate({ n }, ctx) {
    return ctx.manager.create(BookSchema, { title: `added ${n}`, authorId: 1 });
  }
};
