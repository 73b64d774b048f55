import { Column, CreateDateColumn, DeleteDateColumn, Entity, Index, ManyToMany, OneToMany, OneToOne, PrimaryColumn } from "typeorm";
import { Asset } from "./asset.entity";
import { UserRole } from "./enums";
import { Profile } from "./profile.entity";
import { Team } from "./team.entity";

/** Keys come from the identity provider: a uuid the app sets, never generated here. */
@Entity("users")
@Index(["email"], { unique: true, where: "deleted_at IS NULL" })
export class User {
  @PrimaryColumn("uuid")
  id: string;

  @Column()
  email: string;

  @Column({ type: "enum", enum: UserRole, enumName: "user_role", default: UserRole.Member })
  role: UserRole;

  @Column("text", { array: true, default: () => "'{}'" })
  tags: string[];

  @Column({ type: "bigint", default: 0 })
  credits: string;

  @Column({ select: false, nullable: true })
  passwordHash: string;

  @OneToMany(() => Asset, (asset) => asset.owner)
  assets: Asset[];

  @OneToOne(() => Profile, (profile) => profile.user)
  profile: Profile;

  @ManyToMany(() => Team, (team) => team.members)
  teams: Team[];

  @CreateDateColumn({ type: "timestamptz" })
  createdAt: Date;

  @DeleteDateColumn({ type: "timestamptz" })
  deletedAt: Date | null;
}
