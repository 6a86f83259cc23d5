import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PERF-2: freezing a million-person audience writes a million ledger rows; every index and foreign-key trigger on
 * blast_deliveries runs once per row. Measured on the freeze bench: the blast_id foreign key's trigger alone took
 * ~5 s per million rows. It goes (a blast with a ledger is never deleted: only drafts, and cancelled blasts that
 * never froze, can be — BlastsService.remove), and so does the (blast_id, status, subscriber_id) index (stats read
 * the whole blast anyway; the ledger pages by the primary key with a status filter).
 */
export class BlastDeliveriesLeanIndexes1763860000001 implements MigrationInterface {
  name = 'BlastDeliveriesLeanIndexes1763860000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS blast_deliveries_status_idx`);
    await q.query(`ALTER TABLE blast_deliveries DROP CONSTRAINT IF EXISTS blast_deliveries_blast_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blast_deliveries ADD CONSTRAINT blast_deliveries_blast_id_fkey FOREIGN KEY (blast_id) REFERENCES blasts (id) ON DELETE CASCADE`);
    await q.query(`CREATE INDEX IF NOT EXISTS blast_deliveries_status_idx ON blast_deliveries (blast_id, status, subscriber_id)`);
  }
}
