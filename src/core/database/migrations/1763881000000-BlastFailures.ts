import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consecutive failed attempts to freeze or send a blast (a statement that cannot succeed, such as a broken query):
 * after a few the blast pauses with a reason the organizer can read, instead of retrying silently forever.
 */
export class BlastFailures1763881000000 implements MigrationInterface {
  name = 'BlastFailures1763881000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE blasts
        ADD COLUMN failure_count integer NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
        ADD COLUMN last_failure text CHECK (length(last_failure) <= 500),
        ADD COLUMN last_failure_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blasts DROP COLUMN failure_count, DROP COLUMN last_failure, DROP COLUMN last_failure_at`);
  }
}
