import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from "typeorm";
import { User } from "./user.entity";

/** One per user: its primary key is the user's id, and the join column of the relation. */
@Entity("profiles")
export class Profile {
  @PrimaryColumn("uuid")
  userId: string;

  @OneToOne(() => User, (user) => user.profile, { onDelete: "CASCADE" })
  @JoinColumn({ name: "user_id" })
  user: User;

  @Column("jsonb", { default: {} })
  settings: Record<string, unknown>;

  @Column("bytea", { nullable: true })
  avatar: Buffer | null;
}
