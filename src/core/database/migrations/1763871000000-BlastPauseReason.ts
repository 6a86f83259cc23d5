import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a blast was paused automatically (COMP-3 complaint-rate guard), shown to the organizer. The blasts table
 * belongs to the Blasts module; IF NOT EXISTS keeps this harmless should that module add the column itself.
 */
export class BlastPauseReason1763871000000 implements MigrationInterface {
  name = 'BlastPauseReason1763871000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blasts ADD COLUMN IF NOT EXISTS pause_reason text CHECK (length(pause_reason) <= 500)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blasts DROP COLUMN IF EXISTS pause_reason`);
  }
}
