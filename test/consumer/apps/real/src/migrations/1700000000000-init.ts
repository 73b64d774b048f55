import type { MigrationInterface, QueryRunner } from "typeorm";

/** Found by the data source's migrations glob (and loaded with it); the test synchronizes instead. */
export class Init1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SELECT 1`);
  }

  async down(): Promise<void> {}
}
