import { DataScript } from "typeorm-data-script";
import { Book } from "../entities/book.js";

export default class RetitleBooks extends DataScript<Book> {
  static description = "Upper-case every title";
  entity = Book;
  chunkSize = 100;

  mutate(book: Book) {
    book.title = book.title.toUpperCase();
  }
}
