import { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys, subscribers, topics and opt-outs, suppressions — the schema every other module builds on. */
export class Foundation1763800000000 implements MigrationInterface {
  name = 'Foundation1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'organizer', 'viewer')),
        prefix text NOT NULL,
        key_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash)`);

    await q.query(`
      CREATE TABLE subscribers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (length(email) <= 254),
        first_name text CHECK (length(first_name) <= 100),
        last_name text CHECK (length(last_name) <= 100),
        zip text CHECK (zip ~ '^[0-9]{5}(-[0-9]{4})?$'),
        state text CHECK (state ~ '^[A-Z]{2}$'),
        tags text[] NOT NULL DEFAULT '{}',
        custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
        status text NOT NULL DEFAULT 'subscribed'
          CHECK (status IN ('subscribed', 'unconfirmed', 'unsubscribed', 'bounced', 'complained')),
        frequency text NOT NULL DEFAULT 'all' CHECK (frequency IN ('all', 'weekly', 'monthly', 'important_only')),
        source text,
        consent_at timestamptz,
        consent_source text,
        consent_text text,
        unsubscribed_at timestamptz,
        unsubscribed_blast_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Case-insensitive uniqueness; upserts use ON CONFLICT ((lower(email))).
    await q.query(`CREATE UNIQUE INDEX subscribers_email_lower_key ON subscribers (lower(email))`);
    await q.query(`CREATE INDEX subscribers_status_idx ON subscribers (status)`);
    // Segment rules only ever count subscribed people: partial indexes keep them small and hot.
    await q.query(`CREATE INDEX subscribers_tags_subscribed_gin ON subscribers USING gin (tags) WHERE status = 'subscribed'`);
    await q.query(`CREATE INDEX subscribers_state_subscribed_idx ON subscribers (state) WHERE status = 'subscribed'`);
    await q.query(`CREATE INDEX subscribers_created_subscribed_idx ON subscribers (created_at) WHERE status = 'subscribed'`);
    await q.query(`CREATE INDEX subscribers_zip_subscribed_idx ON subscribers (zip text_pattern_ops) WHERE status = 'subscribed'`);
    // Organizer list filters on any status.
    await q.query(`CREATE INDEX subscribers_tags_gin ON subscribers USING gin (tags)`);

    await q.query(`
      CREATE TABLE topics (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX topics_name_lower_key ON topics (lower(name))`);
    await q.query(`
      CREATE TABLE subscriber_topic_opt_outs (
        subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subscriber_id, topic_id)
      )`);
    await q.query(`CREATE INDEX subscriber_topic_opt_outs_topic_idx ON subscriber_topic_opt_outs (topic_id, subscriber_id)`);

    await q.query(`
      CREATE TABLE suppressions (
        email_hash text PRIMARY KEY,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE suppressions`);
    await q.query(`DROP TABLE subscriber_topic_opt_outs`);
    await q.query(`DROP TABLE topics`);
    await q.query(`DROP TABLE subscribers`);
    await q.query(`DROP TABLE api_keys`);
  }
}
