import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ApiKeyRole } from '../api-keys/api-key.entity';
import { Env } from '../core/config/env';
import type { Caller } from '../core/http/caller';
import { DELETE_ENDED_SESSIONS_SQL, SESSION_CALLER_SQL } from './user-queries';

/** sha256 of a random token (session id, invitation): 256-bit random values need no slow hash. */
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
export const randomToken = () => randomBytes(32).toString('base64url');

/** last_seen_at moves at most this often: one write a minute per session, not one per request. */
const TOUCH_GRANULARITY_MS = 60_000;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface NewSession {
  /** The cookie value: shown only here, stored only as its hash. */
  id: string;
  idHash: string;
  csrfToken: string;
}

/** A session's person, as the guard puts it on the request. */
export interface SessionCaller extends Caller {
  userId: string;
  email: string;
  name: string | null;
  totpEnabled: boolean;
  session: { idHash: string; csrfToken: string };
}

/** Server-side console sessions in PostgreSQL: idle and absolute ends, revoked one by one or all at once. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly env: Env,
  ) {}

  private get idleMs(): number {
    return this.env.SESSION_IDLE_MINUTES * 60_000;
  }

  async create(userId: string): Promise<NewSession> {
    const id = randomToken();
    const session = { id, idHash: hashToken(id), csrfToken: randomToken() };
    await this.db.query(DELETE_ENDED_SESSIONS_SQL, [userId, this.idleMs]);
    await this.db.query(
      `INSERT INTO user_sessions (id_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 hour')`,
      [session.idHash, userId, session.csrfToken, this.env.SESSION_MAX_HOURS],
    );
    return session;
  }

  /** The person behind a cookie value, or null when the session is unknown, over, revoked or its user disabled. */
  async authenticate(cookie: string): Promise<SessionCaller | null> {
    if (!SESSION_ID.test(cookie)) return null;
    const idHash = hashToken(cookie);
    const rows: {
      id_hash: string; csrf_token: string; last_seen_at: Date; user_id: string; email: string; name: string | null; role: ApiKeyRole; totp_enabled: boolean;
    }[] = await this.db.query(SESSION_CALLER_SQL, [idHash, this.idleMs]);
    const r = rows[0];
    if (!r) return null;
    if (Date.now() - r.last_seen_at.getTime() > TOUCH_GRANULARITY_MS) {
      await this.db.query(`UPDATE user_sessions SET last_seen_at = now() WHERE id_hash = $1`, [idHash]);
    }
    return {
      role: r.role,
      keyId: null,
      userId: r.user_id,
      email: r.email,
      name: r.name,
      label: r.email,
      totpEnabled: r.totp_enabled,
      session: { idHash, csrfToken: r.csrf_token },
    };
  }

  /** Constant-time comparison of the X-CSRF-Token header with the session's token. */
  static csrfMatches(session: { csrfToken: string }, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    const a = Buffer.from(presented, 'utf8');
    const b = Buffer.from(session.csrfToken, 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async revoke(idHash: string): Promise<void> {
    await this.db.query(`DELETE FROM user_sessions WHERE id_hash = $1`, [idHash]);
  }

  /** Ends every session of a user (sign out everywhere, disabling), except `keepIdHash` (a password change). */
  async revokeAll(userId: string, keepIdHash?: string): Promise<void> {
    await this.db.query(`DELETE FROM user_sessions WHERE user_id = $1 AND id_hash <> $2`, [userId, keepIdHash ?? '']);
  }
}
