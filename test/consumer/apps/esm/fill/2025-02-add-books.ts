import { DataScript, type ScriptContext } from "typeorm-data-script";
import { Book } from "../entities/book.js";

export default class AddBooks extends DataScript<Book, { n: number }> {
  static description = "Add 300 books to the first author";
  entity = Book;
  chunkSize = 100;

  *source() {
    for (let n = 1; n <= 300; n++) yield { n };
  }

  mutate({ n }: { n: number }, ctx: ScriptContext) {
    return ctx.manager.create(Book, { title: `added ${n}`, authorId: 1 });
  }
}
