const { EntitySchema } = require("typeorm");

/** Plain classes for the rows (no decorators: JavaScript), described by EntitySchemas. */
class Author {}
class Book {}

exports.Author = Author;
exports.Book = Book;

exports.AuthorSchema = new EntitySchema({
  name: "Author",
  target: Author,
  tableName: "authors",
  columns: { id: { type: Number, primary: true, generated: true }, name: { type: String } },
  relations: { books: { type: "one-to-many", target: "Book", inverseSide: "author" } },
});

exports.BookSchema = new EntitySchema({
  name: "Book",
  target: Book,
  tableName: "books",
  columns: { id: { type: Number, primary: true, generated: true }, title: { type: String }, authorId: { type: Number } },
  relations: { author: { type: "many-to-one", target: "Author", inverseSide: "books" } },
});
