import { MigrationInterface, QueryRunner } from 'typeorm';

/** Imports count the existing subscribers a file matched but did not change (a re-import writes nothing for them). */
export class ImportUnchangedCount1763810000001 implements MigrationInterface {
  name = 'ImportUnchangedCount1763810000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports ADD COLUMN unchanged integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports DROP COLUMN unchanged`);
  }
}
