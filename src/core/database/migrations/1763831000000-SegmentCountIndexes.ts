import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes EXPLAIN asked for on segment counts over 1M subscribers (bench/segments): rules that test another table
 * (`signed`, `received`, `topicOptedOut`) become a nested loop of index-only probes instead of a hash join over a
 * sequential scan of the whole subscribers heap.
 */
export class SegmentCountIndexes1763831000000 implements MigrationInterface {
  name = 'SegmentCountIndexes1763831000000';

  async up(q: QueryRunner): Promise<void> {
    // "Is this person subscribed?" answered from the index alone (index-only scan, no heap visit).
    await q.query(`CREATE INDEX subscribers_id_subscribed_idx ON subscribers (id) WHERE status = 'subscribed'`);
    // A petition's signers without visiting petition_signatures' heap. Guarded: the petitions module owns the table.
    await q.query(`
      DO $$ BEGIN
        IF to_regclass('petition_signatures') IS NOT NULL THEN
          CREATE INDEX IF NOT EXISTS petition_signatures_petition_subscriber_idx ON petition_signatures (petition_id, subscriber_id);
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS petition_signatures_petition_subscriber_idx`);
    await q.query(`DROP INDEX subscribers_id_subscribed_idx`);
  }
}
