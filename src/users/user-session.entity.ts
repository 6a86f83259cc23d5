import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A console session. The cookie holds a random id; only its sha256 is stored. */
@Entity('user_sessions')
export class UserSession {
  @PrimaryColumn({ name: 'id_hash', type: 'text' })
  idHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Every cookie-authenticated write must echo it in X-CSRF-Token. */
  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Moved forward at most once a minute; a session idle for SESSION_IDLE_MINUTES is over. */
  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  /** Absolute end: SESSION_MAX_HOURS after sign-in. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
