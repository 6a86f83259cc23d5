import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (issue 14): who (a person, an API key, or the system) did what to which subject. Append-only;
 * listed newest first by id (keyset pages), filtered by action, subject or actor through the indexes below.
 * Details are small JSON without addresses or secrets, so erasing a person needs no change here.
 */
export class AuditEvents1764000000001 implements MigrationInterface {
  name = 'AuditEvents1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
        actor_id uuid,
        actor_label text NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, id DESC)`);
    await q.query(`CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id, id DESC)`);
    await q.query(`CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id, id DESC) WHERE actor_id IS NOT NULL`);
    await q.query(`CREATE INDEX audit_events_actor_label_idx ON audit_events (lower(actor_label), id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
  }
}
