import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PET-3 sharing (issue 20). Petitions get their social-card wording, whether recent signers are shown, and the
 * origins allowed to frame the embed. Each signature gets its own random share code (the `?ref=` of its share
 * links; never derived from the address or id) and, when it arrived through another signer's link, that signer.
 * Nullable columns without defaults rewrite nothing; signatures made before this get a code when they sign again.
 */
export class PetitionSharing1764200000000 implements MigrationInterface {
  name = 'PetitionSharing1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE petitions
      ADD COLUMN share_title text,
      ADD COLUMN share_description text,
      ADD COLUMN share_image_url text,
      ADD COLUMN show_recent_signers boolean NOT NULL DEFAULT true,
      ADD COLUMN embed_origins text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE petition_signatures
      ADD COLUMN share_code text,
      ADD COLUMN referrer_signature_id uuid REFERENCES petition_signatures (id) ON DELETE SET NULL`);
    // A referral link's code → its signature (one code, one signer, across all petitions).
    await q.query(`CREATE UNIQUE INDEX petition_signatures_share_code_key ON petition_signatures (share_code) WHERE share_code IS NOT NULL`);
    // Counts by referrer: top referrers for the organizer, a referrer's own count on their page.
    await q.query(`CREATE INDEX petition_signatures_referrer_idx ON petition_signatures (referrer_signature_id) WHERE referrer_signature_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX petition_signatures_referrer_idx`);
    await q.query(`DROP INDEX petition_signatures_share_code_key`);
    await q.query(`ALTER TABLE petition_signatures DROP COLUMN referrer_signature_id, DROP COLUMN share_code`);
    await q.query(`ALTER TABLE petitions DROP COLUMN embed_origins, DROP COLUMN show_recent_signers, DROP COLUMN share_image_url,
      DROP COLUMN share_description, DROP COLUMN share_title`);
  }
}
