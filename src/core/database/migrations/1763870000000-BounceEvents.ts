import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * COMP-3: every bounce, complaint and sender-policy rejection we learn of (SMTP at send time, signed webhooks, SES
 * via SNS, raw DSN/ARF reports), attributed to a subscriber and a blast when the Message-ID or address allows.
 * blast_id has no foreign key: the blasts schema belongs to another module and an event must survive its blast.
 */
export class BounceEvents1763870000000 implements MigrationInterface {
  name = 'BounceEvents1763870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bounce_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid REFERENCES subscribers (id) ON DELETE SET NULL,
        blast_id uuid,
        type text NOT NULL CHECK (type IN ('hard', 'soft', 'complaint', 'policy')),
        provider text NOT NULL CHECK (length(provider) <= 40),
        code text CHECK (length(code) <= 100),
        detail text CHECK (length(detail) <= 1000),
        message_id text CHECK (length(message_id) <= 998),
        attribution text NOT NULL DEFAULT 'none' CHECK (attribution IN ('message_id', 'address', 'subscriber', 'none')),
        dedupe_key text CHECK (length(dedupe_key) <= 300),
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Providers retry webhooks and the send loop may retry a batch: the same event is stored once.
    await q.query(`CREATE UNIQUE INDEX bounce_events_dedupe_key ON bounce_events (dedupe_key) WHERE dedupe_key IS NOT NULL`);
    // Soft-bounce counting per subscriber in a rolling window.
    await q.query(`CREATE INDEX bounce_events_subscriber_idx ON bounce_events (subscriber_id, type, occurred_at) WHERE subscriber_id IS NOT NULL`);
    // Blast stats and the complaint-rate guard.
    await q.query(`CREATE INDEX bounce_events_blast_idx ON bounce_events (blast_id, type) WHERE blast_id IS NOT NULL`);
    // Organizer alerts (policy rejections) newest first.
    await q.query(`CREATE INDEX bounce_events_type_time_idx ON bounce_events (type, occurred_at DESC)`);

    // Amazon SNS topics that delivered a SubscriptionConfirmation to the SES endpoint, and whether it was confirmed.
    await q.query(`
      CREATE TABLE sns_subscriptions (
        topic_arn text PRIMARY KEY CHECK (length(topic_arn) <= 256),
        subscribe_url text NOT NULL CHECK (length(subscribe_url) <= 2048),
        confirmed_at timestamptz,
        last_error text CHECK (length(last_error) <= 500),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sns_subscriptions`);
    await q.query(`DROP TABLE bounce_events`);
  }
}
