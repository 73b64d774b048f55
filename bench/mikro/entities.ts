import { EntitySchema } from "@mikro-orm/core";

/** The demo's users and user_audit tables, mapped for MikroORM 6 (EntitySchema: no decorator metadata needed). */
export class MikroUser {
  id!: number;
  username!: string;
  email!: string;
  isActive!: boolean;
  updatedAt!: Date;
}

export class MikroUserAudit {
  id!: number;
  userId!: number;
  action!: string;
  at?: Date;
}

export const MikroUserSchema = new EntitySchema<MikroUser>({
  class: MikroUser,
  tableName: "users",
  properties: {
    id: { type: "number", primary: true, autoincrement: true },
    username: { type: "string" },
    email: { type: "string" },
    isActive: { type: "boolean", fieldName: "isActive", default: true },
    // As TypeORM's @UpdateDateColumn: set on every update.
    updatedAt: { type: "Date", fieldName: "updatedAt", onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export const MikroUserAuditSchema = new EntitySchema<MikroUserAudit>({
  class: MikroUserAudit,
  tableName: "user_audit",
  properties: {
    id: { type: "number", primary: true, autoincrement: true },
    userId: { type: "number", fieldName: "userId" },
    action: { type: "string", length: 10 },
    at: { type: "Date", nullable: true, defaultRaw: "now()" },
  },
});
