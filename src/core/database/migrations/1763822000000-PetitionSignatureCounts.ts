import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exact signature counts without count(*) over a large petition on every sign and page view: a counter split into
 * 16 shards per petition, incremented in the signing transaction (a random shard, so concurrent signers rarely
 * wait on one row) and summed on read.
 */
export class PetitionSignatureCounts1763822000000 implements MigrationInterface {
  name = 'PetitionSignatureCounts1763822000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE petition_signature_counts (
        petition_id uuid NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
        shard smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
        count bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (petition_id, shard)
      )`);
    await q.query(`
      INSERT INTO petition_signature_counts (petition_id, shard, count)
      SELECT petition_id, 0, count(*) FROM petition_signatures GROUP BY petition_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE petition_signature_counts`);
  }
}
