import type { MigrationInterface, QueryRunner } from "typeorm";

export class CreateUsers1700000000000 implements MigrationInterface {
  name = "CreateUsers1700000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" SERIAL PRIMARY KEY,
        "username" character varying NOT NULL,
        "email" character varying NOT NULL,
        "isActive" boolean NOT NULL DEFAULT true,
        "updatedAt" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "user_audit" (
        "id" SERIAL PRIMARY KEY,
        "userId" integer NOT NULL,
        "action" character varying(10) NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_user_audit_userId" ON "user_audit" ("userId")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "user_audit"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
