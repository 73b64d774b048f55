import { BeforeInsert, BeforeUpdate, Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

@Entity("users")
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  username: string;

  @Column()
  email: string;

  @Column({ default: true })
  isActive: boolean;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt: Date;

  /** Entity listener: e-mail addresses are stored lower-case, whoever writes them. */
  @BeforeInsert()
  @BeforeUpdate()
  normalizeEmail() {
    if (this.email) this.email = this.email.toLowerCase();
  }
}
