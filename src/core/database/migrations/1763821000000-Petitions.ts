import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Petitions and their signatures (PET-1..5). `petitions.slug`, `petition_signatures(petition_id, subscriber_id,
 * email, created_at)` are a contract: segment rules `signed` / `signedAnySince` compile against them.
 */
export class Petitions1763821000000 implements MigrationInterface {
  name = 'Petitions1763821000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE petitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body_source text NOT NULL DEFAULT '',
        body_format text NOT NULL DEFAULT 'markdown' CHECK (body_format IN ('markdown', 'html')),
        body_html text NOT NULL DEFAULT '',
        targets jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(targets) = 'array'),
        goal integer CHECK (goal > 0),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        thank_you_subject text,
        thank_you_body text,
        opt_in_text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX petitions_slug_key ON petitions (slug)`);

    await q.query(`
      CREATE TABLE petition_signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        petition_id uuid NOT NULL REFERENCES petitions (id),
        subscriber_id uuid REFERENCES subscribers (id) ON DELETE SET NULL,
        email text NOT NULL CHECK (length(email) <= 254),
        first_name text CHECK (length(first_name) <= 100),
        last_name text CHECK (length(last_name) <= 100),
        zip text CHECK (zip ~ '^[0-9]{5}(-[0-9]{4})?$'),
        state text CHECK (state ~ '^[A-Z]{2}$'),
        comment text CHECK (length(comment) <= 2000),
        opted_in boolean NOT NULL DEFAULT false,
        referral_code text CHECK (length(referral_code) <= 64),
        blast_id uuid,
        thank_you_queued_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One signature per person per petition; signing is INSERT … ON CONFLICT DO NOTHING on this index.
    await q.query(`CREATE UNIQUE INDEX petition_signatures_petition_email_key ON petition_signatures (petition_id, lower(email))`);
    // Organizer pages (newest first) and counts by day.
    await q.query(`CREATE INDEX petition_signatures_petition_created_idx ON petition_signatures (petition_id, created_at, id)`);
    // Segment rules `signed` / `signedAnySince`, and a subscriber's own data export.
    await q.query(`CREATE INDEX petition_signatures_subscriber_created_idx ON petition_signatures (subscriber_id, created_at)`);
    // Blast stats: actions attributed to a blast (MSG-9).
    await q.query(`CREATE INDEX petition_signatures_blast_idx ON petition_signatures (blast_id) WHERE blast_id IS NOT NULL`);

    // Which senators each signature addresses, and through which role (null: named directly or the signer's own).
    await q.query(`
      CREATE TABLE petition_signature_targets (
        signature_id uuid NOT NULL REFERENCES petition_signatures (id) ON DELETE CASCADE,
        bioguide_id text NOT NULL REFERENCES legislators (bioguide_id),
        role text CHECK (role IN ('majority_leader', 'minority_leader', 'majority_whip', 'minority_whip', 'president_pro_tempore'))
      )`);
    await q.query(`CREATE UNIQUE INDEX petition_signature_targets_key ON petition_signature_targets (signature_id, bioguide_id, coalesce(role, ''))`);
    // Delivery packets and counts by target.
    await q.query(`CREATE INDEX petition_signature_targets_bioguide_idx ON petition_signature_targets (bioguide_id, signature_id)`);
    await q.query(`CREATE INDEX petition_signature_targets_role_idx ON petition_signature_targets (role, signature_id) WHERE role IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE petition_signature_targets`);
    await q.query(`DROP TABLE petition_signatures`);
    await q.query(`DROP TABLE petitions`);
  }
}
