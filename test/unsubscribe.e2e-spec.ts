import type Redis from 'ioredis';
import { RedisThrottlerStorage } from '../src/core/http/redis-throttler.storage';
import { loadEnv } from '../src/core/config/env';
import { PreferenceLinksService } from '../src/preferences/preference-links.service';
import { UnsubscribeTokenService } from '../src/preferences/unsubscribe-token.service';
import { bootApp, TestApp } from './support/app';
import { fakeBlastId, form, insertPreferenceSubscriber, pathOf, preferenceState } from './support/preference-factories';

// jest.config.js sets testTimeout inside `projects`, where Jest ignores it: the default 5 s is too short on a busy machine.
jest.setTimeout(60_000);

const PREVIOUS_SECRET = 'previous-token-secret-0123456789abcdef01234';
const CURRENT_SECRET = 'current-token-secret-0123456789abcdef012345';
const ONE_CLICK = 'List-Unsubscribe=One-Click';

/** UNSUB-1, UNSUB-3..6: the unsubscribe link, scanner-safe GETs and RFC 8058 one-click POSTs. */
describe('Unsubscribe and one-click (e2e)', () => {
  let t: TestApp;
  let links: PreferenceLinksService;

  beforeAll(async () => {
    // The app runs after a rotation: TOKEN_SECRET is new, the old one is still accepted.
    t = await bootApp({ worker: false, env: { TOKEN_SECRET: CURRENT_SECRET, TOKEN_PREVIOUS_SECRETS: PREVIOUS_SECRET } });
    links = t.get(PreferenceLinksService);
  });
  afterAll(async () => {
    await t?.close();
  });

  const unsubscribePath = (id: string, blastId?: string) => pathOf(links.forRecipient(id, blastId).unsubscribeUrl);
  /** As a mailbox provider sends it: no cookie, no Origin, no API key, no redirect following. */
  const oneClick = (path: string, raw: URLSearchParams | FormData = new URLSearchParams(ONE_CLICK)) =>
    t.request('POST', path, { key: false, raw });

  it('one-click POST with an urlencoded body and no cookie → 200, unsubscribed, attributed to the blast', async () => {
    const s = await insertPreferenceSubscriber(t);
    const blastId = fakeBlastId();
    const res = await oneClick(unsubscribePath(s.id, blastId));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.text).toContain('You are unsubscribed');
    const after = await preferenceState(t, s.id);
    expect(after).toMatchObject({ status: 'unsubscribed', unsubscribedBlastId: blastId, events: 1 });
    expect(after.unsubscribedAt).toBeInstanceOf(Date);
    const events = await t.query(`SELECT blast_id, kind, via FROM unsubscribe_events WHERE subscriber_id = $1`, [s.id]);
    expect(events).toEqual([{ blast_id: blastId, kind: 'unsubscribe', via: 'one-click' }]);
  });

  it('one-click POST with a multipart/form-data body → 200 and unsubscribed', async () => {
    const s = await insertPreferenceSubscriber(t);
    const body = new FormData();
    body.append('List-Unsubscribe', 'One-Click');
    const res = await oneClick(unsubscribePath(s.id), body);
    expect(res.status).toBe(200);
    expect((await preferenceState(t, s.id)).status).toBe('unsubscribed');
  });

  it('a malformed multipart body, a text/plain body or no body at all still unsubscribes: the POST is the request', async () => {
    const a = await insertPreferenceSubscriber(t);
    const bad = await t.request('POST', unsubscribePath(a.id), {
      key: false,
      raw: '--x\r\nContent-Disposition: form-data; name="List-Unsub',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(bad.status).toBe(200);
    expect((await preferenceState(t, a.id)).status).toBe('unsubscribed');
    const b = await insertPreferenceSubscriber(t);
    expect((await t.request('POST', unsubscribePath(b.id), { key: false })).status).toBe(200);
    expect((await preferenceState(t, b.id)).status).toBe('unsubscribed');
    const c = await insertPreferenceSubscriber(t);
    const plain = await t.request('POST', unsubscribePath(c.id), { key: false, raw: ONE_CLICK, headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(200);
    expect((await preferenceState(t, c.id)).status).toBe('unsubscribed');
  });

  it('is idempotent: repeated and concurrent POSTs answer 200 and record one unsubscribe', async () => {
    const s = await insertPreferenceSubscriber(t);
    const path = unsubscribePath(s.id, fakeBlastId());
    const answers = await Promise.all(Array.from({ length: 8 }, () => oneClick(path)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const first = await preferenceState(t, s.id);
    expect(first).toMatchObject({ status: 'unsubscribed', events: 1 });
    expect((await oneClick(path)).status).toBe(200);
    const again = await preferenceState(t, s.id);
    expect(again.unsubscribedAt).toEqual(first.unsubscribedAt);
    expect(again.events).toBe(1);
  });

  it('five GETs and HEADs (mail scanners) change nothing; the POST after them does', async () => {
    const s = await insertPreferenceSubscriber(t);
    const all = links.forRecipient(s.id, fakeBlastId());
    const before = await preferenceState(t, s.id);
    for (let i = 0; i < 5; i++) {
      for (const url of [all.unsubscribeUrl, all.preferencesUrl]) {
        const get = await t.request('GET', pathOf(url), { key: false });
        expect(get.status).toBe(200);
        const head = await t.request('HEAD', pathOf(url), { key: false });
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
      }
    }
    expect(await preferenceState(t, s.id)).toEqual(before);
    expect(before.status).toBe('subscribed');
    expect((await oneClick(pathOf(all.unsubscribeUrl))).status).toBe(200);
    expect((await preferenceState(t, s.id)).status).toBe('unsubscribed');
  });

  it('the confirmation page has one button posting to itself and offers fewer emails instead', async () => {
    const s = await insertPreferenceSubscriber(t, { email: 'jane.doe@example.org' });
    const path = unsubscribePath(s.id);
    const page = await t.request('GET', path, { key: false });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('j***@example.org');
    expect(page.text).not.toContain('jane.doe');
    expect(page.text.match(/<button/g)).toHaveLength(1);
    expect(page.text).toContain('Rather get fewer emails?');
    const fewer = /<a href="([^"]+)">Choose how often/.exec(page.text)![1];
    const prefs = await t.request('GET', new URL(fewer, `${t.url}${path}`).pathname, { key: false });
    expect(prefs.status).toBe(200);
    expect(prefs.text).toContain('At most one email a month');

    // The page's own button: a form POST with the one-click field, recorded as coming from the page.
    const action = /<form method="post" action="([^"]+)">/.exec(page.text)![1];
    const fields = [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]+)">/g)].map((m) => [m[1], m[2]] as [string, string]);
    const done = await t.request('POST', new URL(action, `${t.url}${path}`).pathname, { key: false, raw: form(fields) });
    expect(done.status).toBe(200);
    expect(await t.query(`SELECT via FROM unsubscribe_events WHERE subscriber_id = $1`, [s.id])).toEqual([{ via: 'unsubscribe-page' }]);
  });

  it('the undo button on the confirmation resubscribes (fresh consent from the preference center)', async () => {
    const s = await insertPreferenceSubscriber(t);
    const path = unsubscribePath(s.id);
    const done = await oneClick(path);
    const undo = /<form method="post" action="([^"]+)">[\s\S]*?name="action" value="resubscribe"/.exec(done.text);
    expect(undo).not.toBeNull();
    const res = await t.request('POST', new URL(undo![1], `${t.url}${path}`).pathname, { key: false, raw: form([['action', 'resubscribe']]) });
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are subscribed again');
    const after = await preferenceState(t, s.id);
    expect(after).toMatchObject({ status: 'subscribed', consentSource: 'preference-center', unsubscribedAt: null, events: 2 });
    expect(after.consentAt).toBeInstanceOf(Date);
  });

  it('leaves bounced and complained people as they are (no undo offered), still answering 200', async () => {
    for (const status of ['bounced', 'complained']) {
      const s = await insertPreferenceSubscriber(t, { status });
      const res = await oneClick(unsubscribePath(s.id));
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('value="resubscribe"');
      expect(await preferenceState(t, s.id)).toMatchObject({ status, events: 0 });
    }
  });

  it('a flipped byte, a truncated token, a wrong-purpose token, a gone subscriber → the same 404 page as an unknown token', async () => {
    const s = await insertPreferenceSubscriber(t);
    const token = unsubscribePath(s.id).split('/').pop()!;
    const raw = Buffer.from(token, 'base64url');
    raw[10] ^= 0x20;
    const flipped = raw.toString('base64url');
    const gone = await insertPreferenceSubscriber(t);
    const goneToken = unsubscribePath(gone.id).split('/').pop()!;
    await t.query(`DELETE FROM subscribers WHERE id = $1`, [gone.id]);
    const unknown = 'A'.repeat(47);
    const wrongPurpose = pathOf(links.forRecipient(s.id).preferencesUrl).split('/').pop()!;

    const reference = await t.request('GET', `/unsubscribe/${unknown}`, { key: false });
    expect(reference.status).toBe(404);
    expect(reference.headers.get('content-type')).toMatch(/^text\/html/);
    expect(reference.text).toContain('This link is not valid');
    for (const bad of [flipped, token.slice(0, -3), `${token}x`, wrongPurpose, goneToken, 'not-a-token']) {
      for (const method of ['GET', 'POST']) {
        const res = await t.request(method, `/unsubscribe/${bad}`, { key: false, raw: method === 'POST' ? new URLSearchParams(ONE_CLICK) : undefined });
        expect({ status: res.status, text: res.text }).toEqual({ status: 404, text: reference.text });
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    }
    // Missing, or with more path after it: still the same page.
    const different: string[] = [];
    for (const path of ['/unsubscribe', `/unsubscribe/${token}/extra`, '/preferences', `/preferences/${token}/x/y`]) {
      for (const method of ['GET', 'POST']) {
        const res = await t.request(method, path, { key: false });
        if (res.status !== 404 || res.text !== reference.text) different.push(`${method} ${path} → ${res.status} ${res.text.slice(0, 60)}`);
      }
    }
    expect(different).toEqual([]);
    expect((await preferenceState(t, s.id)).status).toBe('subscribed');
  });

  it('every token page (and its 404) sends no-store, no-referrer and noindex', async () => {
    const s = await insertPreferenceSubscriber(t);
    const all = links.forRecipient(s.id);
    const answers = [
      await t.request('GET', pathOf(all.unsubscribeUrl), { key: false }),
      await t.request('HEAD', pathOf(all.unsubscribeUrl), { key: false }),
      await t.request('GET', pathOf(all.preferencesUrl), { key: false }),
      await t.request('POST', pathOf(all.preferencesUrl), { key: false, raw: form([['frequency', 'weekly']]) }),
      await t.request('POST', pathOf(all.preferencesUrl), { key: false, raw: form([['frequency', 'hourly']]) }),
      await oneClick(pathOf(all.unsubscribeUrl)),
      await t.request('GET', `/unsubscribe/${'B'.repeat(68)}`, { key: false }),
      await t.request('GET', `/preferences/${'B'.repeat(68)}`, { key: false }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 400, 200, 404, 404]);
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-robots-tag')).toBe('noindex');
    }
  });

  it('a link minted 400 days ago (fake clock) still unsubscribes', async () => {
    const s = await insertPreferenceSubscriber(t);
    const blastId = fakeBlastId();
    const realNow = Date.now();
    // Only Date is faked, so the running app's own timers are untouched.
    jest.useFakeTimers({ now: realNow - 400 * 86_400_000, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    let old: string;
    try {
      expect(Date.now()).toBeLessThan(realNow - 399 * 86_400_000);
      old = links.forRecipient(s.id, blastId).unsubscribeUrl;
    } finally {
      jest.useRealTimers();
    }
    expect((await t.request('GET', pathOf(old), { key: false })).status).toBe(200);
    expect((await oneClick(pathOf(old))).status).toBe(200);
    expect(await preferenceState(t, s.id)).toMatchObject({ status: 'unsubscribed', unsubscribedBlastId: blastId });
  });

  it('a link signed with the previous TOKEN_SECRET still works after rotation; a never-configured secret does not', async () => {
    const s = await insertPreferenceSubscriber(t);
    const beforeRotation = new UnsubscribeTokenService(loadEnv({ TOKEN_SECRET: PREVIOUS_SECRET }));
    const oldToken = beforeRotation.sign({ subscriberId: s.id, purpose: 'unsubscribe' });
    const stranger = new UnsubscribeTokenService(loadEnv({ TOKEN_SECRET: 'stranger-secret-0123456789abcdef0123456789' }));
    expect((await oneClick(`/unsubscribe/${stranger.sign({ subscriberId: s.id, purpose: 'unsubscribe' })}`)).status).toBe(404);
    expect((await preferenceState(t, s.id)).status).toBe('subscribed');
    expect((await oneClick(`/unsubscribe/${oldToken}`)).status).toBe(200);
    expect((await preferenceState(t, s.id)).status).toBe('unsubscribed');
    // New links are signed with the current secret only.
    expect(beforeRotation.verify(unsubscribePath(s.id).split('/').pop()!)).toBeNull();
  });

  it('no email address appears in any link, header value or page URL', async () => {
    const s = await insertPreferenceSubscriber(t, { email: 'Someone.Special+tag@Example.org' });
    const all = links.forRecipient(s.id, fakeBlastId());
    for (const v of [all.preferencesUrl, all.unsubscribeUrl, all.listUnsubscribe]) {
      expect(v).not.toMatch(/@|%40|someone|special/i);
    }
    expect(all.listUnsubscribe).toBe(`<${all.unsubscribeUrl}>`);
    expect(all.listUnsubscribePost).toBe(ONE_CLICK);
    expect(all.unsubscribeUrl.startsWith(`${t.env.PUBLIC_BASE_URL}/unsubscribe/`)).toBe(true);
    // The pages' own links and form actions carry tokens, never the address.
    for (const url of [all.preferencesUrl, all.unsubscribeUrl]) {
      const page = await t.request('GET', pathOf(url), { key: false });
      const targets = [...page.text.matchAll(/(?:href|action)="([^"]*)"/g)].map((m) => m[1]);
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(target).not.toMatch(/@|%40|someone|special/i);
      expect(page.text).not.toMatch(/someone\.special/i);
    }
    const done = await oneClick(pathOf(all.unsubscribeUrl));
    for (const m of done.text.matchAll(/(?:href|action)="([^"]*)"/g)) expect(m[1]).not.toMatch(/@|%40/);
  });
});

/** SEC-3 on the token routes, with an app of its own so the per-IP window starts with this burst. */
describe('Token page rate limits (e2e)', () => {
  let t: TestApp;
  let links: PreferenceLinksService;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    links = t.get(PreferenceLinksService);
  });
  afterAll(async () => {
    await t?.close();
  });

  const unsubscribePath = (id: string) => pathOf(links.forRecipient(id).unsubscribeUrl);
  const oneClick = (path: string) => t.request('POST', path, { key: false, raw: new URLSearchParams(ONE_CLICK) });

  it('rate limits per IP generously (1200 page views a minute), answering an HTML 429 with Retry-After', async () => {
    const path = `/unsubscribe/${'D'.repeat(47)}`;
    // The first view opens this IP's one-minute window; its counter is then brought to 1,190 views directly in Redis
    // (1,190 real requests take longer than the window on a loaded 2-core machine, and the window would roll over).
    const storage = t.get(RedisThrottlerStorage);
    const counted = jest.spyOn(storage, 'increment');
    expect((await t.request('HEAD', path, { key: false })).status).toBe(404);
    expect(counted).toHaveBeenCalledTimes(1);
    const [key, ttl, limit, , name] = counted.mock.calls[0];
    counted.mockRestore();
    expect({ ttl, limit }).toEqual({ ttl: 60_000, limit: 1200 });
    const internals = storage as unknown as { redis: Redis; prefix: string };
    await internals.redis.incrby(`${internals.prefix}${name}:${key}`, 1189);
    const statuses = await Promise.all(Array.from({ length: 60 }, () => t.request('HEAD', path, { key: false }).then((a) => a.status)));
    // Nothing but 404s and 429s (no 5xx): views 1,191 to 1,200 served, the 50 after them refused.
    expect(statuses.filter((s) => s === 404)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    const limited = await t.request('GET', path, { key: false });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(limited.text).toContain('Too many requests');
    // The one-click POST has its own, larger budget: mailbox providers keep getting through.
    const s = await insertPreferenceSubscriber(t);
    expect((await oneClick(unsubscribePath(s.id))).status).toBe(200);
  });
});
