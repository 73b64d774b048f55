import "reflect-metadata";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

/** The partial-row bench's table: a key, a username and eight more columns, about 450 bytes a row; no listener. */
@Entity("partial_bench_users")
export class WideUser {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "text" })
  username: string;

  @Column({ type: "text" })
  email: string;

  @Column({ type: "text" })
  bio: string;

  @Column({ type: "jsonb" })
  prefs: Record<string, unknown>;

  @Column({ type: "integer" })
  visits: number;

  @Column({ type: "integer" })
  score: number;

  @Column({ type: "timestamptz", nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ type: "timestamptz" })
  createdAt: Date;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt: Date;
}
