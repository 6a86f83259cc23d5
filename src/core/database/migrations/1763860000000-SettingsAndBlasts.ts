import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organization settings (one row, COMP-1), blasts (MSG-1, MSG-5), their frozen per-recipient ledger
 * (blast_deliveries, MSG-6/MSG-10) and the worker heartbeats that let a live worker recover a dead one's rows (MSG-7).
 */
export class SettingsAndBlasts1763860000000 implements MigrationInterface {
  name = 'SettingsAndBlasts1763860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        legal_name text CHECK (length(legal_name) <= 200),
        postal_address text CHECK (length(postal_address) <= 500),
        sending_domain text CHECK (length(sending_domain) <= 253),
        default_from_name text CHECK (length(default_from_name) <= 100),
        default_from_email text CHECK (length(default_from_email) <= 254),
        default_reply_to text CHECK (length(default_reply_to) <= 254),
        disclaimer_kind text NOT NULL DEFAULT 'none'
          CHECK (disclaimer_kind IN ('none', 'committee', 'committee_authorized_by_candidate', 'not_authorized')),
        disclaimer_paid_by text CHECK (length(disclaimer_paid_by) <= 200),
        disclaimer_candidate text CHECK (length(disclaimer_candidate) <= 200),
        non_deductible_notice boolean NOT NULL DEFAULT false,
        non_deductible_text text CHECK (length(non_deductible_text) <= 500),
        extra_notices text[] NOT NULL DEFAULT '{}',
        org_cap_per_day integer CHECK (org_cap_per_day IS NULL OR org_cap_per_day >= 1),
        double_opt_in boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO settings (id) VALUES (1)`);

    await q.query(`
      CREATE TABLE blasts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
        preheader text CHECK (length(preheader) <= 500),
        from_name text CHECK (length(from_name) <= 100),
        from_email text CHECK (length(from_email) <= 254),
        reply_to text CHECK (length(reply_to) <= 254),
        html_body text NOT NULL,
        text_body text,
        segment_id uuid REFERENCES segments (id) ON DELETE RESTRICT,
        topic_id uuid REFERENCES topics (id) ON DELETE RESTRICT,
        priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'important')),
        random_limit integer CHECK (random_limit IS NULL OR random_limit >= 1),
        random_seed text NOT NULL DEFAULT encode(gen_random_bytes(8), 'hex'),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
        scheduled_at timestamptz,
        started_at timestamptz,
        frozen_at timestamptz,
        finished_at timestamptz,
        cancelled_at timestamptz,
        batch_size integer,
        batch_count integer,
        possible_duplicates integer NOT NULL DEFAULT 0,
        -- Last time a worker recorded results: a sending blast silent for long has lost its jobs (Redis restart,
        -- killed worker) and the reconciler re-enqueues its pending batches.
        progress_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX blasts_created_idx ON blasts (created_at DESC, id DESC)`);
    // The reconciler's scans: due scheduled blasts and blasts still sending.
    await q.query(`CREATE INDEX blasts_active_idx ON blasts (status, scheduled_at) WHERE status IN ('scheduled', 'sending')`);

    await q.query(`
      CREATE TABLE blast_deliveries (
        blast_id uuid NOT NULL REFERENCES blasts (id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL,
        status text NOT NULL
          CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled', 'bounced', 'complained')),
        skip_reason text
          CHECK (skip_reason IN ('not_subscribed', 'suppressed', 'topic_opt_out', 'frequency_cap', 'org_cap')),
        seq integer,
        attempts smallint NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        claimed_by text,
        claimed_at timestamptz,
        possible_duplicate boolean NOT NULL DEFAULT false,
        message_id text,
        response_code smallint,
        response text CHECK (length(response) <= 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (blast_id, subscriber_id)
      )`);
    // Batches: a worker claims its batch's pending rows by (blast_id, seq).
    await q.query(`CREATE INDEX blast_deliveries_pending_idx ON blast_deliveries (blast_id, seq) WHERE status IN ('pending', 'sending')`);
    // Frequency caps (PREF-2..4): a person's recent deliveries that count, whatever their blast.
    await q.query(`
      CREATE INDEX blast_deliveries_caps_idx ON blast_deliveries (subscriber_id, created_at)
      WHERE status IN ('pending', 'sending', 'sent')`);
    // Ledger filtered by status (MSG-10) and stats.
    // Recovery of a dead worker's in-flight rows (tiny: only rows being sent right now).
    await q.query(`CREATE INDEX blast_deliveries_sending_idx ON blast_deliveries (claimed_by) WHERE status = 'sending'`);
    await q.query(`CREATE INDEX blast_deliveries_status_idx ON blast_deliveries (blast_id, status, subscriber_id)`);

    await q.query(`
      CREATE TABLE blast_workers (
        id text PRIMARY KEY,
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE blast_workers`);
    await q.query(`DROP TABLE blast_deliveries`);
    await q.query(`DROP TABLE blasts`);
    await q.query(`DROP TABLE settings`);
  }
}
