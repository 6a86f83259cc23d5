import type { ApiKeyRole } from '../../api-keys/api-key.entity';

/**
 * Who is making a request, as the auth guard resolved it: a machine with an API key, or a person signed in to the
 * console with a session cookie. Everything downstream (roles, imports, the audit log) reads it from here.
 */
export interface Caller {
  role: ApiKeyRole;
  /** The API key's id; null for a person and for the bootstrap ADMIN_API_KEY. */
  keyId: string | null;
  /** The signed-in person's id; null for an API key. */
  userId: string | null;
  /** The signed-in person's address; null for an API key. Shown in the audit log, never logged. */
  email: string | null;
  /** How the audit log names the caller: the person's address, or `API key "<name>"`. */
  label: string;
  /** Present only for a person: the session (its stored hash and its CSRF token). */
  session?: { idHash: string; csrfToken: string };
}
