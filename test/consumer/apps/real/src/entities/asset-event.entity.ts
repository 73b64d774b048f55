import { Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Asset } from "./asset.entity";

/** What the asset subscriber records: one row per event it sees. */
@Entity("asset_events")
export class AssetEvent {
  @PrimaryGeneratedColumn({ type: "bigint" })
  id: string;

  @Column("uuid")
  assetId: string;

  @ManyToOne(() => Asset, (asset) => asset.events, { createForeignKeyConstraints: false })
  asset: Asset;

  @Column()
  kind: string;

  @CreateDateColumn({ type: "timestamptz" })
  at: Date;
}
