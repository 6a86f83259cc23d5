import { MigrationInterface, QueryRunner } from 'typeorm';

/** Saved segments (SEG-1) and the index custom-field rules need (SEG-2, PERF-3). */
export class Segments1763830000000 implements MigrationInterface {
  name = 'Segments1763830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 2000),
        rules jsonb NOT NULL,
        referenced_segment_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX segments_name_lower_key ON segments (lower(name))`);
    // "Which segments reference this one?" before a delete.
    await q.query(`CREATE INDEX segments_referenced_segment_ids_gin ON segments USING gin (referenced_segment_ids)`);
    // Custom-field rules compile to `custom_fields @> …` and `custom_fields ? key`: jsonb_ops GIN serves both.
    await q.query(
      `CREATE INDEX subscribers_custom_fields_subscribed_gin ON subscribers USING gin (custom_fields) WHERE status = 'subscribed'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX subscribers_custom_fields_subscribed_gin`);
    await q.query(`DROP TABLE segments`);
  }
}
