import { Column, Entity, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Author } from "./author.js";

@Entity("books")
export class Book {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  title: string;

  @Column()
  authorId: number;

  // No Relation<> wrapper: the design:type of a class still loading, as most apps write it.
  @ManyToOne(() => Author, (author) => author.books)
  author: Author;
}
