import { Column, Entity, ManyToMany, PrimaryGeneratedColumn } from "typeorm";
import { Asset } from "./asset.entity";

@Entity("tags")
export class Tag {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  label: string;

  @ManyToMany(() => Asset, (asset) => asset.tags)
  assets: Asset[];
}
