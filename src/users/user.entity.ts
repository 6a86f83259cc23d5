import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { API_KEY_ROLES, ApiKeyRole } from '../api-keys/api-key.entity';

/** A person's roles are the API keys' roles, with the same rules (roleAtLeast). */
export const USER_ROLES = API_KEY_ROLES;
export type UserRole = ApiKeyRole;

/** A person who signs in to the console. Secrets are never selected unless asked for. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Unique case-insensitively (users_email_lower_key). */
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ type: 'text' })
  role: UserRole;

  /** argon2id (PHC string); null until the person accepts their invitation. */
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /** Base32 TOTP secret once the second factor is on. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true, select: false })
  totpSecret: string | null;

  /** A secret offered by /totp/setup, waiting for a first code to be confirmed. */
  @Column({ name: 'totp_pending_secret', type: 'text', nullable: true, select: false })
  totpPendingSecret: string | null;

  /** The last time step a code was accepted for: a code works once. */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true, select: false })
  totpLastStep: string | null;

  /** sha256 of the single-use invitation (or sign-in link) token. */
  @Column({ name: 'invite_token_hash', type: 'text', nullable: true, select: false })
  inviteTokenHash: string | null;

  @Column({ name: 'invite_expires_at', type: 'timestamptz', nullable: true })
  inviteExpiresAt: Date | null;

  @Column({ name: 'last_sign_in_at', type: 'timestamptz', nullable: true })
  lastSignInAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
