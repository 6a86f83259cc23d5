import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * REL-3. A worker that holds a liveness lock (a session advisory lock keyed by its id) says so: once its lock is gone,
 * its process is gone, and other workers take over its in-flight rows without waiting out the stale interval.
 * A claimed row also records the batch job that claimed it (claim_token): one worker runs several jobs, and a job
 * hands back or records only its own rows. Adding a nullable column without a default rewrites nothing.
 */
export class WorkerLiveness1763882000000 implements MigrationInterface {
  name = 'WorkerLiveness1763882000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blast_workers ADD COLUMN liveness_lock boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE blast_deliveries ADD COLUMN claim_token uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blast_deliveries DROP COLUMN claim_token`);
    await q.query(`ALTER TABLE blast_workers DROP COLUMN liveness_lock`);
  }
}
