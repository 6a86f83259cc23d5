import { bootApp, TestApp } from './support/app';
import { createPetition, sign } from './support/petition-factories';

/**
 * Input that should be refused is refused, and one address has one stored form (SUB-1, SEC-1, SEG-2): invisible and
 * control characters in addresses, compatibility forms (NFKC), internationalized domains (IDNA), and segment rules
 * naming states, custom fields or petitions that cannot exist.
 */
describe('Addresses and segment rules: refused or normalized at every way in', () => {
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    slug = (await createPetition(t)).slug;
  });
  afterAll(async () => t?.close());

  const counts = async () => (await t.query(`SELECT (SELECT count(*) FROM subscribers)::int AS s, (SELECT count(*) FROM petition_signatures)::int AS p`))[0];

  it.each([
    ['a bidi override (U+202E)', '\u202ea@example.org'],
    ['a zero-width space', 'a\u200b@example.org'],
    ['a zero-width joiner in the domain', 'a@exam\u200dple.org'],
    ['a C1 control', 'a\u0085@example.org'],
    ['a replacement character (bytes that were not UTF-8)', 'ad\ufffd\ufffda@example.org'],
  ])('an address with %s is refused by the signature endpoint, the hosted page, the subscribers API and signups', async (_what, email) => {
    const before = await counts();
    const json = await sign(t, slug, { email, optIn: true });
    expect(json.status).toBe(400);
    expect(json.body.details).toEqual([expect.objectContaining({ path: 'email', message: 'email must be a valid email address' })]);
    const page = await t.request('POST', `/p/${slug}`, {
      key: false,
      raw: new URLSearchParams({ email, firstName: 'Ada', lastName: 'L', zip: '80202', optIn: 'on' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(page.status).toBe(400);
    expect(page.text).toContain('email must be a valid email address');
    expect((await t.request('POST', '/api/v1/subscribers', { body: { email } })).status).toBe(400);
    expect((await t.request('POST', '/api/v1/signups', { body: { email, consent: { text: 'yes' } } })).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('full-width and ligature forms are stored as the letters they show (NFKC), and count as the same person', async () => {
    const a = await sign(t, slug, { email: 'ｆｕｌｌ.ｗｉｄｔｈ@ｅｘａｍｐｌｅ.ｏｒｇ', optIn: true });
    expect(a.status).toBe(201);
    const b = await sign(t, slug, { email: 'ﬁnn@example.org', optIn: true });
    expect(b.status).toBe(201);
    const stored = await t.query(`SELECT email FROM subscribers WHERE email IN ('full.width@example.org', 'finn@example.org') ORDER BY email`);
    expect(stored.map((r) => r.email)).toEqual(['finn@example.org', 'full.width@example.org']);
    // Signing again with the plain spelling is the same signature (counted once), not a second person.
    const again = await sign(t, slug, { email: 'full.width@example.org', optIn: true });
    expect(again.status).toBe(201);
    expect((await t.query(`SELECT count(*)::int AS n FROM petition_signatures WHERE lower(email) = 'full.width@example.org'`))[0].n).toBe(1);
  });

  it('an internationalized domain and its punycode form are one address (IDNA to ASCII)', async () => {
    const unicode = await t.request('POST', '/api/v1/subscribers', { body: { email: 'idn@Bücher.example', firstName: 'Ida' } });
    expect(unicode.status).toBe(201);
    expect(unicode.body.email).toBe('idn@xn--bcher-kva.example');
    const ascii = await t.request('POST', '/api/v1/subscribers', { body: { email: 'idn@xn--bcher-kva.example', lastName: 'Norm' } });
    expect([200, 201]).toContain(ascii.status);
    expect(ascii.body.id).toBe(unicode.body.id);
    const signed = await sign(t, slug, { email: 'idn@bücher.example' });
    expect(signed.status).toBe(201);
    const [row] = await t.query(`SELECT subscriber_id, email FROM petition_signatures WHERE lower(email) = 'idn@xn--bcher-kva.example'`);
    expect(row).toEqual({ subscriber_id: unicode.body.id, email: 'idn@xn--bcher-kva.example' });
  });

  it.each([
    [{ state: ['XX'] }, 'rules.state[0]', /not a USPS state/],
    [{ custom: "a'b", op: 'exists' }, 'rules.custom', /field names are 1-64 characters/],
    [{ custom: '__proto__', op: 'exists' }, 'rules.custom', /field names are 1-64 characters/],
    [{ signed: "' OR 1=1" }, 'rules.signed', /petition "' OR 1=1" does not exist/],
    [{ signed: '00000000-0000-4000-8000-000000000000' }, 'rules.signed', /does not exist/],
    [{ received: '00000000-0000-4000-8000-000000000000' }, 'rules.received', /blast .* does not exist/],
    [{ topicOptedOut: '00000000-0000-4000-8000-000000000000' }, 'rules.topicOptedOut', /topic .* does not exist/],
  ])('segment rules %j are refused with 400 naming %s, on save and on preview', async (rules, path, message) => {
    const before = (await t.query(`SELECT count(*)::int AS n FROM segments`))[0].n;
    for (const [url, body] of [['/api/v1/segments', { name: `bad ${Math.random()}`, rules }], ['/api/v1/segments/preview', { rules }]] as const) {
      const res = await t.request('POST', url, { body });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]));
    }
    expect((await t.query(`SELECT count(*)::int AS n FROM segments`))[0].n).toBe(before);
  });

  it('a petition named by slug or id that exists is accepted, and custom field names follow one rule everywhere', async () => {
    const ok = await t.request('POST', '/api/v1/segments/preview', { body: { rules: { or: [{ signed: slug }, { custom: 'employer', op: 'exists' }] } } });
    expect(ok.status).toBe(200);
    const bad = await t.request('POST', '/api/v1/subscribers', { body: { email: 'custom.name@example.org', customFields: { "a'b": 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ path: "customFields.a'b" })]);
  });
});
