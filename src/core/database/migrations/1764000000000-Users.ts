import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts for people (issue 14): organizers sign in to the console with an address and a password (argon2id), an
 * optional TOTP second factor, and server-side sessions. A session row is keyed by the sha256 of its random id, so
 * the table alone cannot sign anyone in. An invitation is a single-use token, stored the same way.
 */
export class Users1764000000000 implements MigrationInterface {
  name = 'Users1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text,
        role text NOT NULL CHECK (role IN ('admin', 'organizer', 'viewer')),
        password_hash text,
        disabled_at timestamptz,
        totp_secret text,
        totp_pending_secret text,
        totp_last_step bigint,
        invite_token_hash text,
        invite_expires_at timestamptz,
        last_sign_in_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One account per address, whatever its case (sign-in looks up lower(email)).
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`CREATE UNIQUE INDEX users_invite_token_hash_key ON users (invite_token_hash) WHERE invite_token_hash IS NOT NULL`);
    await q.query(`
      CREATE TABLE user_sessions (
        id_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_sessions`);
    await q.query(`DROP TABLE users`);
  }
}
