/**
 * The SQL of accounts and sessions that deserves a name (STYLE: reviewable SQL in one place).
 */

/**
 * The person behind a session cookie, when the session is still alive: not past its absolute end, not idle longer
 * than $2 ms, its user not disabled. $1 sha256 of the session id. Primary key lookup on user_sessions, then users.
 */
export const SESSION_CALLER_SQL = `
  SELECT s.id_hash, s.csrf_token, s.last_seen_at, u.id AS user_id, u.email, u.name, u.role,
         u.totp_secret IS NOT NULL AS totp_enabled
  FROM user_sessions s JOIN users u ON u.id = s.user_id
  WHERE s.id_hash = $1
    AND s.expires_at > now()
    AND s.last_seen_at > now() - $2 * interval '1 millisecond'
    AND u.disabled_at IS NULL`;

/** Sessions of a user that are over (absolute or idle end, $2 ms): cleared at each sign-in. user_sessions_user_id_idx. */
export const DELETE_ENDED_SESSIONS_SQL = `
  DELETE FROM user_sessions
  WHERE user_id = $1 AND (expires_at <= now() OR last_seen_at <= now() - $2 * interval '1 millisecond')`;

/**
 * Locks the admins who can sign in (enabled, with a password) and returns their ids; run in the transaction that
 * demotes or disables a user, so two admins demoting each other at once cannot leave none: the second waits for the
 * first and then no longer sees the row the first changed. A scan of users (a handful of rows).
 */
export const LOCK_ACTIVE_ADMINS_SQL = `
  SELECT id FROM users
  WHERE role = 'admin' AND disabled_at IS NULL AND password_hash IS NOT NULL
  FOR UPDATE`;

/**
 * Marks a TOTP time step used ($2), only if it is later than the last one used: a code works once (RFC 6238 §5.2).
 * Returns the row when the step was accepted.
 */
export const CLAIM_TOTP_STEP_SQL = `
  UPDATE users SET totp_last_step = $2
  WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)
  RETURNING id`;
