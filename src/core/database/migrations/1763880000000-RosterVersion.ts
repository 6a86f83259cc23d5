import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roster's version (issue 12 item 15): every import bumps it in its own transaction, and every process keys its
 * in-memory roster on it, reading it per lookup, so all routes of all instances switch to a new roster together.
 */
export class RosterVersion1763880000000 implements MigrationInterface {
  name = 'RosterVersion1763880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE roster_version (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        version bigint NOT NULL DEFAULT 0,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO roster_version (id) VALUES (1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE roster_version`);
  }
}
