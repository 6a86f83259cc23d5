import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CSV imports (SUB-4): the import record with its progress, and the uploaded file kept in PostgreSQL as ordered
 * chunks so that any worker on any machine can read it. Erasure marker (SUB-5) and the organizer list's keyset index.
 */
export class SubscriberImports1763810000000 implements MigrationInterface {
  name = 'SubscriberImports1763810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'uploading'
          CHECK (status IN ('uploading', 'queued', 'running', 'completed', 'failed')),
        filename text,
        bytes bigint NOT NULL DEFAULT 0,
        mapping jsonb NOT NULL DEFAULT '{}',
        tags text[] NOT NULL DEFAULT '{}',
        consent_basis text NOT NULL,
        rows_read integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        skipped_invalid_email integer NOT NULL DEFAULT 0,
        skipped_duplicate integer NOT NULL DEFAULT 0,
        skipped_suppressed integer NOT NULL DEFAULT 0,
        skipped_invalid_row integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        error_count integer NOT NULL DEFAULT 0,
        failure text,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX imports_created_idx ON imports (created_at DESC)`);
    // The uploaded CSV, in order; deleted once the import has run.
    await q.query(`
      CREATE TABLE import_uploads (
        import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (import_id, seq)
      )`);

    await q.query(`ALTER TABLE subscribers ADD COLUMN erased_at timestamptz`);
    // Organizer list: keyset pages ordered by (created_at, id), newest first.
    await q.query(`CREATE INDEX subscribers_created_id_idx ON subscribers (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX subscribers_created_id_idx`);
    await q.query(`ALTER TABLE subscribers DROP COLUMN erased_at`);
    await q.query(`DROP TABLE import_uploads`);
    await q.query(`DROP TABLE imports`);
  }
}
