import { Column, Entity, JoinColumn, JoinTable, ManyToMany, ManyToOne, OneToMany, PrimaryGeneratedColumn } from "typeorm";
import { AssetStatus } from "./enums";
import { Tag } from "./tag.entity";
import { User } from "./user.entity";
import { AssetEvent } from "./asset-event.entity";

@Entity("assets")
export class Asset {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column("uuid")
  ownerId: string;

  @ManyToOne(() => User, (user) => user.assets)
  @JoinColumn({ name: "owner_id" })
  owner: User;

  @Column({ type: "enum", enum: AssetStatus, enumName: "asset_status" })
  status: AssetStatus;

  @Column({ type: "bigint" })
  sizeBytes: string;

  @Column("jsonb", { nullable: true })
  meta: { source?: string; n?: number } | null;

  @ManyToMany(() => Tag, (tag) => tag.assets)
  @JoinTable()
  tags: Tag[];

  @OneToMany(() => AssetEvent, (event) => event.asset)
  events: AssetEvent[];
}
