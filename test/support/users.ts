import type { UserRole } from '../../src/users/user.entity';
import { UsersService } from '../../src/users/users.service';
import type { HttpResult, TestApp } from './app';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  role: UserRole;
  password: string;
}

export interface TestSession {
  /** `cloture_session=<id>`, ready for a Cookie header. */
  cookie: string;
  csrfToken: string;
  /** The full Set-Cookie header of the sign-in answer (flags included). */
  setCookie: string;
  user: { id: string; email: string; name: string | null; role: UserRole; totpEnabled: boolean };
}

/** The token of a welcome link (`…/console/welcome#token=<token>`). */
export const tokenOfLink = (link: string): string => new URL(link).hash.replace(/^#token=/, '');

/**
 * A console account with a password, made through the service the CLI uses (users:create's link, then the welcome
 * page's acceptance): nothing is mailed, no session is opened.
 */
export async function createUser(
  t: TestApp,
  opts: { email: string; role?: UserRole; password?: string; name?: string },
): Promise<TestUser> {
  const users = t.get(UsersService);
  const role = opts.role ?? 'organizer';
  const password = opts.password ?? TEST_PASSWORD;
  const { user, link } = await users.createWithSignInLink(opts.email, role, opts.name);
  await users.acceptInvite(tokenOfLink(link), password);
  return { id: user.id, email: user.email, role, password };
}

/** The `cloture_session=<value>` pair of a Set-Cookie header, or null. */
export function sessionCookieOf(res: { headers: Headers }): string | null {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('cloture_session='));
  return header ? header.split(';')[0] : null;
}

/** POST /api/v1/auth/login; throws unless it answers 200 with a session cookie. */
export async function signIn(t: TestApp, email: string, password = TEST_PASSWORD, totp?: string): Promise<TestSession> {
  const res = await t.request('POST', '/api/v1/auth/login', { key: false, body: { email, password, ...(totp ? { totp } : {}) } });
  const cookie = sessionCookieOf(res);
  if (res.status !== 200 || !cookie) throw new Error(`sign-in of ${email} failed: ${res.status} ${res.text}`);
  return {
    cookie,
    csrfToken: res.body.csrfToken,
    setCookie: res.headers.getSetCookie().find((c) => c.startsWith('cloture_session='))!,
    user: res.body.user,
  };
}

/**
 * A request as a signed-in person: the session cookie, no API key, and X-CSRF-Token on writes unless `csrf: false`
 * (or a wrong value) is given.
 */
export function asUser<T = any>(
  t: TestApp,
  session: Pick<TestSession, 'cookie' | 'csrfToken'>,
  method: string,
  path: string,
  opts: { body?: unknown; csrf?: string | false; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { cookie: session.cookie, ...(opts.headers ?? {}) };
  const csrf = opts.csrf === undefined ? session.csrfToken : opts.csrf;
  if (csrf !== false && !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) headers['x-csrf-token'] = csrf;
  return t.request<T>(method, path, { key: false, body: opts.body, headers });
}

/** An account and a session at once (the common start of a console test). */
export async function signedInUser(t: TestApp, opts: { email: string; role?: UserRole; password?: string; name?: string }): Promise<TestUser & { session: TestSession }> {
  const user = await createUser(t, opts);
  return { ...user, session: await signIn(t, user.email, user.password) };
}
