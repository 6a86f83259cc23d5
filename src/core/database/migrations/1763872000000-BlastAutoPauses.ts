import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automatic pauses of a blast by the bounce guards (complaint rate, sender-policy rejections): at most one per kind
 * per blast, so a blast the organizer resumed after reading the reason is not paused again for the same cause.
 */
export class BlastAutoPauses1763872000000 implements MigrationInterface {
  name = 'BlastAutoPauses1763872000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE blast_auto_pauses (
        blast_id uuid NOT NULL REFERENCES blasts (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('complaint_rate', 'sender_policy')),
        reason text NOT NULL CHECK (length(reason) <= 500),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (blast_id, kind)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE blast_auto_pauses`);
  }
}
