import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("accounts")
export class Account {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  owner: string;

  @Column({ type: "integer", default: 0 })
  balance: number;
}
