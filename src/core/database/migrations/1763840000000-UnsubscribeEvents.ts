import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every unsubscribe and resubscribe, with the blast whose link it came from (UNSUB-6). Blast stats count
 * unsubscribes per blast here: `count(DISTINCT subscriber_id) WHERE blast_id = $1 AND kind = 'unsubscribe'`.
 * Only real changes are recorded (a repeated one-click POST adds no row). blast_id has no foreign key: events
 * outlive deleted blasts, and the blasts table is created by a later migration.
 */
export class UnsubscribeEvents1763840000000 implements MigrationInterface {
  name = 'UnsubscribeEvents1763840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE unsubscribe_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        blast_id uuid,
        kind text NOT NULL CHECK (kind IN ('unsubscribe', 'resubscribe')),
        via text NOT NULL CHECK (via IN ('one-click', 'unsubscribe-page', 'preference-center')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Per-blast stats (MSG-9).
    await q.query(`CREATE INDEX unsubscribe_events_blast_idx ON unsubscribe_events (blast_id, kind) WHERE blast_id IS NOT NULL`);
    await q.query(`CREATE INDEX unsubscribe_events_subscriber_idx ON unsubscribe_events (subscriber_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE unsubscribe_events`);
  }
}
