import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

export type AuditAction = "insert" | "update";

@Entity("user_audit")
export class UserAudit {
  @PrimaryGeneratedColumn()
  id: number;

  @Index()
  @Column()
  userId: number;

  @Column({ type: "varchar", length: 10 })
  action: AuditAction;

  @CreateDateColumn({ type: "timestamptz" })
  at: Date;
}
