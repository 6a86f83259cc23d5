import { generate } from 'otplib';
import { bootApp, TestApp } from './support/app';
import { startNode } from './support/process';
import { SmtpSink } from './support/smtp-sink';
import { asUser, createUser, sessionCookieOf, signedInUser, signIn, TEST_PASSWORD, tokenOfLink } from './support/users';

const WRONG = 'Wrong email or password';
const login = (t: TestApp, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.request('POST', '/api/v1/auth/login', { key: false, body, headers });
/** A TOTP code `stepsAhead` 30-second steps from now (the server accepts ±1 step, each step once). */
const totpCode = (secret: string, stepsAhead = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });

describe('Accounts for people: sign-in, sessions, CSRF, TOTP, invitations (issue 14)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url, LOGIN_ATTEMPTS_PER_ACCOUNT: '3', LOGIN_ATTEMPTS_PER_IP: '1000' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => sink.clear());

  describe('sign-in', () => {
    it('signs in with the right password: the user, a CSRF token and an HttpOnly SameSite=Lax cookie on / (not Secure over http)', async () => {
      const ada = await createUser(t, { email: 'ada@example.org', role: 'admin', name: 'Ada' });
      const res = await login(t, { email: 'ADA@example.org', password: TEST_PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        user: { id: ada.id, email: 'ada@example.org', name: 'Ada', role: 'admin', totpEnabled: false },
        csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('cloture_session='))!;
      expect(setCookie).toMatch(/; HttpOnly/i);
      expect(setCookie).toMatch(/; SameSite=Lax/i);
      expect(setCookie).toMatch(/; Path=\//i);
      expect(setCookie).not.toMatch(/; Secure/i);
      // The database holds a hash of the session id, never the id itself.
      const id = setCookie.split(';')[0].split('=')[1];
      expect(await t.query('SELECT 1 FROM user_sessions WHERE id_hash = $1', [id])).toHaveLength(0);
      const session = await asUser(t, { cookie: sessionCookieOf(res)!, csrfToken: '' }, 'GET', '/api/v1/auth/session');
      expect(session.status).toBe(200);
      expect(session.body).toEqual(res.body);
      // The password is stored as argon2id.
      const [row] = await t.query('SELECT password_hash FROM users WHERE id = $1', [ada.id]);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('a wrong password, an unknown address and a disabled account get the same 401, and no cookie', async () => {
      const bo = await createUser(t, { email: 'bo@example.org' });
      const wrong = await login(t, { email: bo.email, password: 'not the password at all' });
      const unknown = await login(t, { email: 'nobody-here@example.org', password: TEST_PASSWORD });
      const invalid = await login(t, { email: 'not an address', password: TEST_PASSWORD });
      await t.request('PATCH', `/api/v1/users/${bo.id}`, { body: { disabled: true } });
      const disabled = await login(t, { email: bo.email, password: TEST_PASSWORD });
      for (const res of [wrong, unknown, invalid, disabled]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: WRONG });
        expect(sessionCookieOf(res)).toBeNull();
      }
    });

    it('an account invited but without a password yet cannot sign in (same 401)', async () => {
      const invited = await t.request('POST', '/api/v1/users', { body: { email: 'pending@example.org', role: 'viewer' } });
      expect(invited.status).toBe(201);
      expect(invited.body.invitePending).toBe(true);
      const res = await login(t, { email: 'pending@example.org', password: TEST_PASSWORD });
      expect(res.status).toBe(401);
      expect(res.body.message).toBe(WRONG);
    });

    it('throttles failed attempts per account: 429 with Retry-After, even with the right password; other accounts unaffected', async () => {
      const cy = await createUser(t, { email: 'cy@example.org' });
      const dee = await createUser(t, { email: 'dee@example.org' });
      for (let i = 0; i < 3; i++) expect((await login(t, { email: cy.email, password: 'wrong password ' + i })).status).toBe(401);
      const blocked = await login(t, { email: cy.email, password: TEST_PASSWORD });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.body.message).toMatch(/Too many sign-in attempts/);
      // An unknown address is throttled the same way (a 429 tells nothing about which accounts exist).
      for (let i = 0; i < 3; i++) await login(t, { email: 'ghost@example.org', password: 'x' });
      expect((await login(t, { email: 'ghost@example.org', password: 'x' })).status).toBe(429);
      expect((await login(t, { email: dee.email, password: TEST_PASSWORD })).status).toBe(200);
    });

    it('a successful sign-in forgives earlier failures of the account', async () => {
      const ed = await createUser(t, { email: 'ed@example.org' });
      for (let round = 0; round < 3; round++) {
        expect((await login(t, { email: ed.email, password: 'wrong password' })).status).toBe(401);
        expect((await login(t, { email: ed.email, password: 'wrong password' })).status).toBe(401);
        expect((await login(t, { email: ed.email, password: TEST_PASSWORD })).status).toBe(200);
      }
    });

    it('takes JSON only (a cross-site form cannot sign anyone in) and refuses prototype keys and unknown fields', async () => {
      const form = await t.request('POST', '/api/v1/auth/login', {
        key: false, raw: 'email=a%40example.org&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(415);
      for (const raw of [
        '{"email":"a@example.org","password":"x","__proto__":{"role":"admin"}}',
        '{"email":"a@example.org","password":"x","constructor":{"prototype":{"role":"admin"}}}',
      ]) {
        const res = await t.request('POST', '/api/v1/auth/login', { key: false, raw, headers: { 'content-type': 'application/json' } });
        expect(res.status).toBe(400);
        // Fastify's JSON parser refuses `__proto__` itself; the edge check refuses `constructor.prototype`.
        expect(res.body.message).toMatch(/__proto__, constructor or prototype|not valid JSON/);
      }
      const extra = await login(t, { email: 'a@example.org', password: 'x', role: 'admin' });
      expect(extra.status).toBe(400);
      expect(extra.body.details).toEqual([{ path: 'role', message: 'unknown field role' }]);
      const invite = await t.request('POST', '/api/v1/auth/accept-invite', {
        key: false, raw: '{"token":"x","password":"long enough password","__proto__":{"x":1}}', headers: { 'content-type': 'application/json' },
      });
      expect(invite.status).toBe(400);
      const user = await t.request('POST', '/api/v1/users', { raw: '{"email":"p@example.org","role":"viewer","__proto__":{"role":"admin"}}', headers: { 'content-type': 'application/json' } });
      expect(user.status).toBe(400);
      expect(await t.query(`SELECT 1 FROM users WHERE email = 'p@example.org'`)).toHaveLength(0);
    });
  });

  describe('sessions and CSRF', () => {
    it('a cookie write without X-CSRF-Token (or with a wrong one) → 403 and nothing written; with it → done', async () => {
      const { session } = await signedInUser(t, { email: 'fay@example.org', role: 'organizer' });
      const body = { name: 'csrf-topic', description: 'x' };
      const missing = await asUser(t, session, 'POST', '/api/v1/topics', { body, csrf: false });
      expect(missing.status).toBe(403);
      expect(missing.body.message).toMatch(/X-CSRF-Token/);
      const wrong = await asUser(t, session, 'POST', '/api/v1/topics', { body, csrf: 'x'.repeat(43) });
      expect(wrong.status).toBe(403);
      expect(await t.query(`SELECT 1 FROM topics WHERE name = 'csrf-topic'`)).toHaveLength(0);
      const ok = await asUser(t, session, 'POST', '/api/v1/topics', { body });
      expect(ok.status).toBe(201);
      // A Bearer API key needs no CSRF token.
      expect((await t.request('POST', '/api/v1/topics', { body: { name: 'key-topic' } })).status).toBe(201);
    });

    it('organizer routes still take JSON only with a cookie (415)', async () => {
      const { session } = await signedInUser(t, { email: 'gil@example.org', role: 'organizer' });
      const res = await asUser(t, session, 'POST', '/api/v1/topics', { headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(415);
    });

    it('a viewer reads but cannot write; an organizer cannot manage users', async () => {
      const viewer = await signedInUser(t, { email: 'hal@example.org', role: 'viewer' });
      expect((await asUser(t, viewer.session, 'GET', '/api/v1/blasts')).status).toBe(200);
      const write = await asUser(t, viewer.session, 'POST', '/api/v1/topics', { body: { name: 'viewer-topic' } });
      expect(write.status).toBe(403);
      expect(write.body.message).toBe('This needs the organizer role; your account has viewer');
      const organizer = await signedInUser(t, { email: 'ivy@example.org', role: 'organizer' });
      expect((await asUser(t, organizer.session, 'GET', '/api/v1/users')).status).toBe(403);
      // Role changes apply to live sessions at once.
      await t.request('PATCH', `/api/v1/users/${viewer.id}`, { body: { role: 'organizer' } });
      expect((await asUser(t, viewer.session, 'POST', '/api/v1/topics', { body: { name: 'promoted-topic' } })).status).toBe(201);
    });

    it('no cookie, an unknown cookie, an idle session and an expired one → 401 with a clear message', async () => {
      expect((await t.request('GET', '/api/v1/auth/session', { key: false })).status).toBe(401);
      const bogus = await asUser(t, { cookie: `cloture_session=${'a'.repeat(43)}`, csrfToken: '' }, 'GET', '/api/v1/auth/session');
      expect(bogus.status).toBe(401);
      expect(bogus.body.message).toMatch(/session has ended/);
      const jo = await signedInUser(t, { email: 'jo@example.org' });
      const second = await signIn(t, jo.email);
      await t.query(`UPDATE user_sessions SET last_seen_at = now() - interval '121 minutes' WHERE user_id = $1 AND csrf_token = $2`, [jo.id, jo.session.csrfToken]);
      await t.query(`UPDATE user_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND csrf_token = $2`, [jo.id, second.csrfToken]);
      for (const s of [jo.session, second]) {
        const res = await asUser(t, s, 'GET', '/api/v1/blasts');
        expect(res.status).toBe(401);
        expect(res.body.message).toBe('Your session has ended (signed out, expired or disabled); sign in again');
      }
    });

    it('sign out ends this session; sign out everywhere ends every one; both clear the cookie', async () => {
      const kim = await signedInUser(t, { email: 'kim@example.org' });
      const laptop = await signIn(t, kim.email);
      const phone = await signIn(t, kim.email);
      const out = await asUser(t, kim.session, 'POST', '/api/v1/auth/logout');
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().join()).toMatch(/cloture_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
      expect((await asUser(t, kim.session, 'GET', '/api/v1/auth/session')).status).toBe(401);
      expect((await asUser(t, laptop, 'GET', '/api/v1/auth/session')).status).toBe(200);
      expect((await asUser(t, laptop, 'POST', '/api/v1/auth/logout-everywhere')).status).toBe(204);
      expect((await asUser(t, laptop, 'GET', '/api/v1/auth/session')).status).toBe(401);
      expect((await asUser(t, phone, 'GET', '/api/v1/auth/session')).status).toBe(401);
      expect(await t.query('SELECT 1 FROM user_sessions WHERE user_id = $1', [kim.id])).toHaveLength(0);
    });

    it('disabling a person ends their sessions at once', async () => {
      const lu = await signedInUser(t, { email: 'lu@example.org' });
      expect((await t.request('PATCH', `/api/v1/users/${lu.id}`, { body: { disabled: true } })).body.disabled).toBe(true);
      expect((await asUser(t, lu.session, 'GET', '/api/v1/blasts')).status).toBe(401);
    });

    it('an API key cannot use the person-only routes (403)', async () => {
      const res = await t.request('GET', '/api/v1/auth/session');
      expect(res.status).toBe(403);
    });
  });

  describe('password and second factor', () => {
    it('changing the password needs the current one, ends the other sessions and keeps this one', async () => {
      const mo = await signedInUser(t, { email: 'mo@example.org' });
      const other = await signIn(t, mo.email);
      const short = await asUser(t, mo.session, 'POST', '/api/v1/auth/password', { body: { currentPassword: TEST_PASSWORD, newPassword: 'short' } });
      expect(short.status).toBe(400);
      expect(short.body.details[0].path).toBe('newPassword');
      const wrong = await asUser(t, mo.session, 'POST', '/api/v1/auth/password', { body: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' } });
      expect(wrong.status).toBe(400);
      expect(wrong.body.details).toEqual([{ path: 'currentPassword', message: 'The current password is wrong' }]);
      const ok = await asUser(t, mo.session, 'POST', '/api/v1/auth/password', { body: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' } });
      expect(ok.status).toBe(204);
      expect((await asUser(t, mo.session, 'GET', '/api/v1/auth/session')).status).toBe(200);
      expect((await asUser(t, other, 'GET', '/api/v1/auth/session')).status).toBe(401);
      expect((await login(t, { email: mo.email, password: TEST_PASSWORD })).status).toBe(401);
      expect((await login(t, { email: mo.email, password: 'a brand new passphrase' })).status).toBe(200);
    });

    it('TOTP: set up, enable with a code, then sign-in asks for a code (401 on the totp field) and takes each code once', async () => {
      const ned = await signedInUser(t, { email: 'ned@example.org' });
      const setup = await asUser(t, ned.session, 'POST', '/api/v1/auth/totp/setup');
      expect(setup.status).toBe(200);
      const { secret, otpauthUrl } = setup.body;
      expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/Cloture:ned%40example\.org\?secret=[A-Z2-7]+/);
      // Not on until a code confirms it.
      expect((await login(t, { email: ned.email, password: TEST_PASSWORD })).status).toBe(200);
      const bad = await asUser(t, ned.session, 'POST', '/api/v1/auth/totp/enable', { body: { code: '000000' === (await totpCode(secret)) ? '111111' : '000000' } });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].path).toBe('code');
      const enabled = await asUser(t, ned.session, 'POST', '/api/v1/auth/totp/enable', { body: { code: await totpCode(secret) } });
      expect(enabled.status).toBe(200);
      expect(enabled.body.user.totpEnabled).toBe(true);

      const noCode = await login(t, { email: ned.email, password: TEST_PASSWORD });
      expect(noCode.status).toBe(401);
      expect(noCode.body.details).toEqual([{ path: 'totp', message: expect.stringMatching(/6-digit code/) }]);
      expect(sessionCookieOf(noCode)).toBeNull();
      const wrongCode = await login(t, { email: ned.email, password: TEST_PASSWORD, totp: '12345x' });
      expect(wrongCode.status).toBe(401);
      expect(wrongCode.body.details[0].path).toBe('totp');
      // A wrong password with a code is still just a wrong password.
      expect((await login(t, { email: ned.email, password: 'wrong password', totp: '123456' })).body).toEqual({ statusCode: 401, error: 'Unauthorized', message: WRONG });
      // The enabling code's step is used: the next step's code (accepted within the ±30 s window) signs in, once.
      const code = await totpCode(secret, 1);
      const ok = await login(t, { email: ned.email, password: TEST_PASSWORD, totp: code });
      expect(ok.status).toBe(200);
      expect(ok.body.user.totpEnabled).toBe(true);
      const replay = await login(t, { email: ned.email, password: TEST_PASSWORD, totp: code });
      expect(replay.status).toBe(401);
      expect(replay.body.details[0].path).toBe('totp');

      // Turning it off needs a code too.
      const session = { cookie: sessionCookieOf(ok)!, csrfToken: ok.body.csrfToken };
      expect((await asUser(t, session, 'POST', '/api/v1/auth/totp/disable', { body: { code } })).status).toBe(400);
      await t.query('UPDATE users SET totp_last_step = NULL WHERE id = $1', [ned.id]);
      const off = await asUser(t, session, 'POST', '/api/v1/auth/totp/disable', { body: { code: await totpCode(secret) } });
      expect(off.status).toBe(200);
      expect(off.body.user.totpEnabled).toBe(false);
      expect((await login(t, { email: ned.email, password: TEST_PASSWORD })).status).toBe(200);
    });

    it('a missing code does not count as a failure, wrong codes do (a password alone cannot reset the count)', async () => {
      const ola = await signedInUser(t, { email: 'ola@example.org' });
      const { secret } = (await asUser(t, ola.session, 'POST', '/api/v1/auth/totp/setup')).body;
      await asUser(t, ola.session, 'POST', '/api/v1/auth/totp/enable', { body: { code: await totpCode(secret) } });
      for (let i = 0; i < 5; i++) expect((await login(t, { email: ola.email, password: TEST_PASSWORD })).status).toBe(401);
      for (let i = 0; i < 2; i++) {
        expect((await login(t, { email: ola.email, password: TEST_PASSWORD, totp: '000001' })).status).toBe(401);
        expect((await login(t, { email: ola.email, password: TEST_PASSWORD })).status).toBe(401);
      }
      expect((await login(t, { email: ola.email, password: TEST_PASSWORD, totp: '000001' })).status).toBe(401);
      // Three wrong codes: the account is at its limit, even with the right code.
      expect((await login(t, { email: ola.email, password: TEST_PASSWORD, totp: await totpCode(secret, 1) })).status).toBe(429);
    });
  });

  describe('invitations and the first admin', () => {
    it('an admin invites by email: the link in the sink sets a password once and signs in', async () => {
      const admin = await signedInUser(t, { email: 'pat@example.org', role: 'admin' });
      const res = await asUser(t, admin.session, 'POST', '/api/v1/users', { body: { email: ' Quinn@Example.ORG ', role: 'organizer', name: 'Quinn' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ email: 'Quinn@example.org', role: 'organizer', name: 'Quinn', invitePending: true, disabled: false });
      const [mail] = await sink.waitFor(1);
      expect(mail.to).toEqual(['Quinn@example.org']);
      const link = /https?:\/\/\S+\/console\/welcome#token=[A-Za-z0-9_-]+/.exec(mail.parsed.text ?? '')![0];
      expect(link.startsWith(`${t.url}/console/welcome#token=`)).toBe(true);
      expect((await asUser(t, admin.session, 'POST', '/api/v1/users', { body: { email: 'quinn@example.org', role: 'viewer' } })).status).toBe(409);

      const short = await t.request('POST', '/api/v1/auth/accept-invite', { key: false, body: { token: tokenOfLink(link), password: 'short' } });
      expect(short.status).toBe(400);
      const accepted = await t.request('POST', '/api/v1/auth/accept-invite', { key: false, body: { token: tokenOfLink(link), password: 'quinn picks a long one' } });
      expect(accepted.status).toBe(200);
      expect(accepted.body.user).toMatchObject({ email: 'Quinn@example.org', role: 'organizer' });
      const session = { cookie: sessionCookieOf(accepted)!, csrfToken: accepted.body.csrfToken };
      expect((await asUser(t, session, 'GET', '/api/v1/auth/session')).status).toBe(200);
      const again = await t.request('POST', '/api/v1/auth/accept-invite', { key: false, body: { token: tokenOfLink(link), password: 'another long password' } });
      expect(again.status).toBe(400);
      expect(again.body.details[0].path).toBe('token');
      expect((await login(t, { email: 'quinn@example.org', password: 'quinn picks a long one' })).status).toBe(200);
    });

    it('re-sending an invitation mails a new link and the old one stops working; an expired link is refused', async () => {
      const invited = await t.request('POST', '/api/v1/users', { body: { email: 'rae@example.org', role: 'viewer' } });
      const [first] = await sink.waitFor(1);
      sink.clear();
      expect((await t.request('POST', `/api/v1/users/${invited.body.id}/invite`)).status).toBe(200);
      const [second] = await sink.waitFor(1);
      const token = (m: typeof first) => /#token=([A-Za-z0-9_-]+)/.exec(m.parsed.text ?? '')![1];
      expect(token(second)).not.toBe(token(first));
      expect((await t.request('POST', '/api/v1/auth/accept-invite', { key: false, body: { token: token(first), password: 'rae long password' } })).status).toBe(400);
      await t.query(`UPDATE users SET invite_expires_at = now() - interval '1 second' WHERE id = $1`, [invited.body.id]);
      expect((await t.request('POST', '/api/v1/auth/accept-invite', { key: false, body: { token: token(second), password: 'rae long password' } })).status).toBe(400);
    });

    it('the CLI creates the first admin and prints a link that works; it refuses an existing address', async () => {
      const env = {
        DATABASE_URL: t.env.DATABASE_URL, REDIS_URL: t.env.REDIS_URL, REDIS_PREFIX: t.env.REDIS_PREFIX, PUBLIC_BASE_URL: t.env.PUBLIC_BASE_URL,
        TOKEN_SECRET: t.env.tokenSecret, MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn', MAIL_OUTBOX_DIR: t.env.MAIL_OUTBOX_DIR,
      };
      const create = startNode('dist/cli.js', ['users:create', '--email', 'sam@example.org', '--role', 'admin', '--name', 'Sam'], env);
      expect(await create.exited).toBe(0);
      const link = /^(https?:\/\/\S+\/console\/welcome#token=[A-Za-z0-9_-]{43})$/m.exec(create.output())?.[1];
      expect(link).toBeDefined();
      const accepted = await t.request('POST', '/api/v1/auth/accept-invite', { key: false, body: { token: tokenOfLink(link!), password: 'sam the first admin' } });
      expect(accepted.status).toBe(200);
      expect(accepted.body.user).toMatchObject({ email: 'sam@example.org', role: 'admin', name: 'Sam' });
      const again = startNode('dist/cli.js', ['users:create', '--email', 'SAM@example.org'], env);
      expect(await again.exited).toBe(1);
      expect(again.output()).toContain('An account with this address already exists');
    });

    it('the last active admin cannot be demoted or disabled (409); with another admin it can', async () => {
      await t.query(`UPDATE users SET role = 'organizer' WHERE role = 'admin'`);
      const una = await signedInUser(t, { email: 'una@example.org', role: 'admin' });
      for (const body of [{ role: 'organizer' }, { disabled: true }]) {
        const res = await asUser(t, una.session, 'PATCH', `/api/v1/users/${una.id}`, { body });
        expect(res.status).toBe(409);
        expect(res.body.message).toMatch(/last active admin/);
      }
      expect((await t.query('SELECT role, disabled_at FROM users WHERE id = $1', [una.id]))[0]).toEqual({ role: 'admin', disabled_at: null });
      const vic = await createUser(t, { email: 'vic@example.org', role: 'admin' });
      const demoted = await asUser(t, una.session, 'PATCH', `/api/v1/users/${una.id}`, { body: { role: 'organizer' } });
      expect(demoted.status).toBe(200);
      expect(demoted.body.role).toBe('organizer');
      expect((await t.request('PATCH', `/api/v1/users/${vic.id}`, { body: { disabled: true } })).status).toBe(409);
    });

    it('lists users for admins without secrets', async () => {
      const res = await t.request('GET', '/api/v1/users');
      expect(res.status).toBe(200);
      expect(res.body.length).toBeGreaterThan(3);
      expect(res.text).not.toMatch(/argon2|password|totp_secret|inviteToken/i);
      expect(Object.keys(res.body[0]).sort()).toEqual(
        ['createdAt', 'disabled', 'email', 'id', 'inviteExpiresAt', 'invitePending', 'lastSignInAt', 'name', 'role', 'totpEnabled', 'updatedAt'],
      );
    });
  });
});

describe('Accounts behind https and per-IP throttling (issue 14)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { PUBLIC_BASE_URL: 'https://cloture.example', LOGIN_ATTEMPTS_PER_IP: '4', LOGIN_ATTEMPTS_PER_ACCOUNT: '100' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the session cookie is Secure when PUBLIC_BASE_URL is https', async () => {
    await createUser(t, { email: 'wes@example.org' });
    const s = await signIn(t, 'wes@example.org');
    expect(s.setCookie).toMatch(/; Secure/i);
    expect(s.setCookie).toMatch(/; HttpOnly/i);
  });

  it('throttles failed attempts per IP address across accounts', async () => {
    await createUser(t, { email: 'xan@example.org' });
    for (let i = 0; i < 4; i++) expect((await login(t, { email: `guess${i}@example.org`, password: 'x' })).status).toBe(401);
    const blocked = await login(t, { email: 'xan@example.org', password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
