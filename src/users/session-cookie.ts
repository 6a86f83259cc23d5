import type { CookieSerializeOptions } from '@fastify/cookie';
import { Env } from '../core/config/env';

/** The console's session cookie: an opaque random id (the session itself is in PostgreSQL). */
export const SESSION_COOKIE = 'cloture_session';

/** The header every cookie-authenticated write must carry, equal to the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * HttpOnly (no script reads it), SameSite=Lax (not sent on another site's POST), Secure when the public URL is https,
 * for the whole site (the console at /console talks to /api/v1). Lives as long as the session can.
 */
export function sessionCookieOptions(env: Env): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: env.PUBLIC_BASE_URL.toLowerCase().startsWith('https:'),
    maxAge: env.SESSION_MAX_HOURS * 3600,
  };
}

/** Options that make the browser drop the cookie (the same attributes, expired). */
export function clearedCookieOptions(env: Env): CookieSerializeOptions {
  return { ...sessionCookieOptions(env), maxAge: 0, expires: new Date(0) };
}
