import { bootApp, TestApp } from './support/app';
import { signBody, WEBHOOK_SECRET } from './support/bounce-factories';
import { createPetition } from './support/petition-factories';

/** Requests the REL-2 fuzz once turned into 500s: each must be a clear 4xx that writes nothing. */
describe('Hostile input (SEC-1, REL-2)', () => {
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    slug = (await createPetition(t)).slug;
  });
  afterAll(async () => t?.close());

  const rowCounts = async () =>
    (await t.query(`SELECT (SELECT count(*) FROM subscribers)::int AS s, (SELECT count(*) FROM petition_signatures)::int AS p, (SELECT count(*) FROM bounce_events)::int AS b`))[0];

  it('a lone surrogate or a NUL in any string is a 400, on public and organizer routes alike', async () => {
    const before = await rowCounts();
    const sign = (email: string) =>
      t.request('POST', `/api/v1/public/petitions/${slug}/signatures`, { key: false, raw: `{"email":"${email}","firstName":"Ada","zip":"80202"}`, headers: { 'content-type': 'application/json' } });
    for (const res of [await sign('\\ud800@example.org'), await sign('ada\\u0000@example.org')]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', details: [{ path: 'email', message: 'must be valid Unicode text without NUL characters' }] });
    }
    const organizer = await t.request('POST', '/api/v1/subscribers', { raw: '{"email":"x@example.org","firstName":"\\udfff"}', headers: { 'content-type': 'application/json' } });
    expect(organizer.status).toBe(400);
    expect((await t.request('GET', '/api/v1/subscribers?q=%00')).status).toBe(400);
    expect(await rowCounts()).toEqual(before);
  });

  it('a signed bounce webhook whose events are not objects is a 400', async () => {
    const raw = JSON.stringify({ events: [[]] });
    const res = await t.request('POST', '/webhooks/bounces', { key: false, raw, headers: { 'content-type': 'application/json', 'x-cloture-signature': signBody(raw) } });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toMatch(/^events/);
  });

  it('the hosted petition form re-renders with a 400 when a JSON body sends objects for its fields', async () => {
    const before = await rowCounts();
    const res = await t.request('POST', `/p/${slug}`, { key: false, body: { email: { $ne: 1 }, firstName: ['a'], zip: '80202' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await rowCounts()).toEqual(before);
  });

  it('a NUL in a token gets the token pages\' own 404, the same as any unknown token (UNSUB-5)', async () => {
    const unknown = await t.request('GET', '/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { key: false });
    for (const path of ['/unsubscribe/%00', '/preferences/a%00b']) {
      const res = await t.request('GET', path, { key: false });
      expect(res.status).toBe(404);
      expect(res.text).toBe(unknown.text);
    }
  });

  it('a damaged link — empty token, trailing slash, broken percent-encoding — gets the same 404 page as any unknown token', async () => {
    for (const page of ['unsubscribe', 'preferences', 'confirm']) {
      const unknown = await t.request('GET', `/${page}/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, { key: false });
      expect(unknown.status).toBe(404);
      for (const path of [`/${page}/`, `/${page}/%ZZ`, `/${page}/abc%E0%A4%A`, `/${page}/%`]) {
        for (const method of ['GET', 'POST']) {
          const res = await t.request(method, path, { key: false });
          expect({ path, method, status: res.status, same: res.text === unknown.text }).toEqual({ path, method, status: 404, same: true });
          expect(res.headers.get('cache-control')).toBe('no-store');
        }
      }
    }
  });

  it('broken percent-encoding anywhere else is a 400 in the envelope that does not echo the address', async () => {
    for (const path of ['/p/%ZZ', '/api/v1/public/petitions/a%E0%A4%A', '/api/v1/subscribers/%ZZ']) {
      const res = await t.request('GET', path, { key: false });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'The address is not a valid URL (malformed percent-encoding)' });
    }
    const long = await t.request('GET', `/api/v1/public/petitions/${'a'.repeat(300)}`, { key: false });
    expect(long.status).toBe(414);
    expect(long.body).toEqual({ statusCode: 414, error: 'URI Too Long', message: 'The address is too long' });
  });
});
