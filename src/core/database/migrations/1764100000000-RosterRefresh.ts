import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: the roster refreshes itself from a URL.
 * - `roster_changes`: one row per import that changed the roster, with the diff (arrived, left, roles moved, fields
 *   changed), read newest first by id (primary key) and, for the roles petitions target, by the GIN index.
 * - `roster_refresh_state`: one row (id 1), the last refresh attempt and the last successful fetch (its ETag,
 *   Last-Modified and content hash, sent back as a conditional request next time).
 * - A signature addressed to a vacant role keeps a target row with the role and no senator, so the packet lists it
 *   under the role until someone holds it: bioguide_id becomes nullable (one of the two is always set).
 */
export class RosterRefresh1764100000000 implements MigrationInterface {
  name = 'RosterRefresh1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE roster_changes (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        source text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'cli', 'snapshot', 'service')),
        roster_version bigint NOT NULL,
        diff jsonb NOT NULL,
        roles_moved text[] NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX roster_changes_roles_moved_idx ON roster_changes USING gin (roles_moved)`);
    await q.query(`
      CREATE TABLE roster_refresh_state (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        attempts bigint NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        last_trigger text,
        last_result text,
        last_reason text,
        last_http_status integer,
        last_change_id bigint REFERENCES roster_changes (id) ON DELETE SET NULL,
        source_url text,
        last_success_at timestamptz,
        etag text,
        last_modified text,
        content_hash text,
        content_bytes bigint
      )`);
    await q.query(`INSERT INTO roster_refresh_state (id) VALUES (1)`);
    await q.query(`ALTER TABLE petition_signature_targets ALTER COLUMN bioguide_id DROP NOT NULL`);
    await q.query(`
      ALTER TABLE petition_signature_targets ADD CONSTRAINT petition_signature_targets_who_check
        CHECK (bioguide_id IS NOT NULL OR role IS NOT NULL)`);
    // The existing unique index treats NULL bioguide ids as distinct: one vacancy row per signature and role.
    await q.query(`
      CREATE UNIQUE INDEX petition_signature_targets_vacancy_key ON petition_signature_targets (signature_id, role)
        WHERE bioguide_id IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX petition_signature_targets_vacancy_key`);
    await q.query(`DELETE FROM petition_signature_targets WHERE bioguide_id IS NULL`);
    await q.query(`ALTER TABLE petition_signature_targets DROP CONSTRAINT petition_signature_targets_who_check`);
    await q.query(`ALTER TABLE petition_signature_targets ALTER COLUMN bioguide_id SET NOT NULL`);
    await q.query(`DROP TABLE roster_refresh_state`);
    await q.query(`DROP TABLE roster_changes`);
  }
}
