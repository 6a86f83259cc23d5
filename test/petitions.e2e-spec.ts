import { LegislatorsService } from '../src/legislators/legislators.service';
import { SignaturesService } from '../src/petitions/signatures.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { join } from 'node:path';
import { bootApp, TestApp } from './support/app';
import {
  createPetition,
  eventually,
  mailQueueIdle,
  parseCsv,
  petitionInput,
  SENATORS,
  sign,
  signatureInput,
  uniqueEmail,
  writeRosterVariant,
  ZIPS,
} from './support/petition-factories';
import { SmtpSink } from './support/smtp-sink';

// Booting the app (and Chromium) can take a while on a busy machine; hooks otherwise get Jest's 5 s default.
jest.setTimeout(120_000);

describe('Petitions (PET-1..5, TGT-2)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url, PETITION_SIGNATURES_PER_IP_PER_DAY: '100000' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  describe('organizer CRUD (PET-1)', () => {
    it('creates a petition whose role targets resolve to the shipped roster', async () => {
      const p = await createPetition(t, {
        targets: [
          { type: 'role', role: 'majority_leader' },
          { type: 'role', role: 'minority_leader' },
          { type: 'role', role: 'majority_whip' },
          { type: 'role', role: 'minority_whip' },
          { type: 'role', role: 'president_pro_tempore' },
        ],
      });
      expect(p.resolvedTargets.map((r: any) => r.label)).toEqual([
        'John Thune, Senate Majority Leader',
        'Charles E. Schumer, Senate Minority Leader',
        'John Barrasso, Senate Majority Whip',
        'Richard J. Durbin, Senate Minority Whip',
        'Chuck Grassley, President pro tempore of the Senate',
      ]);
      expect(p).toMatchObject({ status: 'open', signatureCount: 0, goal: 1000, url: `${t.url}/p/${p.slug}` });
      expect(p.bodyHtml).toContain('<strong>two years</strong>');
      expect((await t.request('GET', `/api/v1/petitions/${p.id}`)).body.slug).toBe(p.slug);
      expect((await t.request('GET', `/api/v1/petitions/${p.slug}`)).body.id).toBe(p.id);
      const listed = await t.request('GET', '/api/v1/petitions?status=open');
      expect(listed.body.some((x: any) => x.id === p.id)).toBe(true);
    });

    it('sanitizes the body, rejects bad targets, templates and duplicate slugs with clear errors', async () => {
      const p = await createPetition(t, { body: '<p onclick="x()">Hi</p><script>alert(1)</script>', bodyFormat: 'html' });
      expect(p.bodyHtml).toBe('<p>Hi</p>');
      const dup = await t.request('POST', '/api/v1/petitions', { body: petitionInput({ slug: p.slug }) });
      expect(dup.status).toBe(409);
      expect(dup.body.message).toMatch(/slug/);

      const bad = await t.request('POST', '/api/v1/petitions', {
        body: { ...petitionInput({ slug: 'Not A Slug', targets: [{ type: 'role', role: 'speaker' } as any, { type: 'senator' } as any] }), extra: 1 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(['slug', 'targets[0].role', 'targets[1].bioguideId', 'extra']));

      const unknown = await t.request('POST', '/api/v1/petitions', { body: petitionInput({ targets: [{ type: 'senator', bioguideId: 'Z999999' }] }) });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details[0]).toMatchObject({ path: 'targets[0].bioguideId', message: expect.stringMatching(/no senator/) });

      const template = await t.request('POST', '/api/v1/petitions', { body: petitionInput({ thankYouBody: 'Dear {{firstName}}, {{password}}' }) });
      expect(template.status).toBe(400);
      expect(template.body.details.map((d: any) => d.path)).toEqual(['thankYouBody', 'thankYouBody']);
      expect(template.body.message).toMatch(/fallback/);

      const empty = await t.request('POST', '/api/v1/petitions', { body: petitionInput({ targets: [] }) });
      expect(empty.status).toBe(400);
      expect((await t.query('SELECT count(*)::int AS n FROM petitions WHERE slug = $1', ['not-a-slug']))[0].n).toBe(0);
    });

    it('edits, closes, and enforces roles: viewer reads, cannot write; 404 for unknown', async () => {
      const p = await createPetition(t);
      const viewer = await t.createKey('viewer');
      expect((await t.request('GET', `/api/v1/petitions/${p.id}`, { key: viewer })).status).toBe(200);
      expect((await t.request('PATCH', `/api/v1/petitions/${p.id}`, { key: viewer, body: { title: 'x' } })).status).toBe(403);
      const edited = await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { title: 'New title', goal: 50, targets: [{ type: 'own_senators' }] } });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ title: 'New title', goal: 50, targets: [{ type: 'own_senators' }] });
      expect(edited.body.resolvedTargets[0].label).toBe('Your two U.S. senators');
      expect((await t.request('GET', '/api/v1/petitions/no-such-petition')).status).toBe(404);
      expect((await t.request('GET', '/api/v1/petitions/00000000-0000-0000-0000-000000000000')).status).toBe(404);
      expect((await t.request('DELETE', `/api/v1/petitions/${p.id}`)).status).toBe(204);
      expect((await t.request('GET', `/api/v1/petitions/${p.id}`)).status).toBe(404);
    });
  });

  it('documents every petition and legislator route in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/docs-json', { key: false })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/petitions',
        '/api/v1/petitions/{id}',
        '/api/v1/petitions/{id}/signatures',
        '/api/v1/petitions/{id}/stats',
        '/api/v1/petitions/{id}/delivery/{target}',
        '/api/v1/public/petitions/{slug}',
        '/api/v1/public/petitions/{slug}/signatures',
        '/api/v1/legislators/senators',
        '/api/v1/legislators/leadership',
      ]),
    );
    expect(doc.components.schemas.CreatePetitionDto.properties.targets.items.$ref).toContain('PetitionTargetDto');
    expect(doc.components.schemas.SignPetitionDto.required).toEqual(expect.arrayContaining(['email', 'zip']));
  });

  describe('public read (PET-3)', () => {
    it('serves title, sanitized body, resolved targets, count and goal; 404 for an unknown slug', async () => {
      const p = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }, { type: 'senator', bioguideId: SENATORS.bennet }, { type: 'own_senators' }] });
      await sign(t, p.slug);
      const res = await t.request('GET', `/api/v1/public/petitions/${p.slug}`, { key: false });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ slug: p.slug, title: p.title, signatureCount: 1, goal: 1000, status: 'open' });
      expect(res.body.targets.map((x: any) => x.label)).toEqual([
        'John Thune, Senate Majority Leader',
        'Michael F. Bennet, U.S. Senator for Colorado',
        'Your two U.S. senators',
      ]);
      expect(res.body.id).toBeUndefined();
      expect(res.body.thankYouBody).toBeUndefined();
      // Embeds on other sites: any origin may read, preflight and sign, and read the errors too.
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const preflight = await t.request('OPTIONS', `/api/v1/public/petitions/${p.slug}/signatures`, {
        key: false,
        headers: { origin: 'https://allies.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
      expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
      const badFromEmbed = await sign(t, p.slug, { email: 'x' }, { origin: 'https://allies.example' });
      expect([badFromEmbed.status, badFromEmbed.headers.get('access-control-allow-origin')]).toEqual([400, '*']);
      const missing = await t.request('GET', '/api/v1/public/petitions/does-not-exist', { key: false });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('signing (PET-2, TGT-2)', () => {
    it('erasing the subscriber through the API (SUB-5) scrubs their signatures in the same transaction', async () => {
      const p = await createPetition(t);
      const email = uniqueEmail('erased-signer');
      expect((await sign(t, p.slug, { email, optIn: true, comment: 'Bring it to the floor' })).status).toBe(201);
      const [sub] = await t.query(`SELECT id FROM subscribers WHERE lower(email) = lower($1)`, [email]);
      expect((await t.request('POST', `/api/v1/subscribers/${sub.id}/erase`)).status).toBe(200);
      const rows = await t.query(`SELECT email, first_name, last_name, zip, comment, subscriber_id FROM petition_signatures WHERE petition_id = $1`, [p.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ first_name: null, last_name: null, zip: null, comment: null, subscriber_id: null });
      expect(rows[0].email).not.toContain('erased-signer');
      expect(JSON.stringify(await t.query(`SELECT * FROM petition_signatures`))).not.toContain(email);
    });

    it("addresses a Colorado signer's own two senators, plus the role holders", async () => {
      const p = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }] });
      const email = uniqueEmail('colorado');
      const res = await sign(t, p.slug, { email, zip: ZIPS.colorado });
      expect(res.status).toBe(201);
      expect(res.body.ownSenators).toEqual({
        state: 'CO',
        senators: [
          expect.objectContaining({ bioguideId: SENATORS.bennet, label: 'Michael F. Bennet, U.S. Senator for Colorado' }),
          expect.objectContaining({ bioguideId: SENATORS.hickenlooper, label: 'John W. Hickenlooper, U.S. Senator for Colorado' }),
        ],
      });
      expect(res.body.targets.map((x: any) => x.bioguideId).sort()).toEqual([SENATORS.bennet, SENATORS.hickenlooper, SENATORS.thune].sort());
      const rows = await t.query(
        `SELECT t.bioguide_id, t.role FROM petition_signature_targets t JOIN petition_signatures s ON s.id = t.signature_id
         WHERE s.petition_id = $1 AND s.email = $2 ORDER BY t.bioguide_id`,
        [p.id, email],
      );
      expect(rows).toEqual([
        { bioguide_id: SENATORS.bennet, role: null },
        { bioguide_id: SENATORS.hickenlooper, role: null },
        { bioguide_id: SENATORS.thune, role: 'majority_leader' },
      ]);
      const [sig] = await t.query('SELECT state, zip FROM petition_signatures WHERE petition_id = $1 AND email = $2', [p.id, email]);
      expect(sig).toEqual({ state: 'CO', zip: ZIPS.colorado });
    });

    it('a DC signer has no senators: the signature goes to the other targets and the answer says so', async () => {
      const p = await createPetition(t, { targets: [{ type: 'own_senators' }, { type: 'role', role: 'minority_leader' }] });
      const email = uniqueEmail('dc');
      const res = await sign(t, p.slug, { email, zip: ZIPS.dc });
      expect(res.status).toBe(201);
      expect(res.body.ownSenators).toEqual({ state: 'DC', senators: [], message: expect.stringMatching(/Washington, DC has no U.S. senators/) });
      expect(res.body.targets.map((x: any) => x.label)).toEqual(['Charles E. Schumer, Senate Minority Leader']);
      const rows = await t.query(
        `SELECT t.bioguide_id FROM petition_signature_targets t JOIN petition_signatures s ON s.id = t.signature_id WHERE s.email = $1`,
        [email],
      );
      expect(rows).toEqual([{ bioguide_id: SENATORS.schumer }]);
    });

    it('asks for the state when the ZIP does not give one, and uses the state the signer picks', async () => {
      const p = await createPetition(t, { targets: [{ type: 'own_senators' }] });
      const missing = await sign(t, p.slug, { zip: ZIPS.unassigned });
      expect(missing.status).toBe(400);
      expect(missing.body.details).toEqual([{ path: 'state', message: expect.stringMatching(/choose your state/) }]);
      const picked = await sign(t, p.slug, { zip: ZIPS.unassigned, state: 'co' });
      expect(picked.status).toBe(201);
      expect(picked.body.ownSenators.senators.map((s: any) => s.bioguideId).sort()).toEqual([SENATORS.bennet, SENATORS.hickenlooper].sort());
    });

    it('20 concurrent identical signatures count once and send one thank-you', async () => {
      const p = await createPetition(t);
      const body = signatureInput({ email: uniqueEmail('burst'), firstName: 'Grace' });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => t.request('POST', `/api/v1/public/petitions/${p.slug}/signatures`, { key: false, body })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
      const [{ n }] = await t.query('SELECT count(*)::int AS n FROM petition_signatures WHERE petition_id = $1', [p.id]);
      expect(n).toBe(1);
      expect((await t.request('GET', `/api/v1/public/petitions/${p.slug}`, { key: false })).body.signatureCount).toBe(1);
      await eventually(() => sink.to(body.email as string).length > 0);
      await mailQueueIdle(t);
      expect(sink.to(body.email as string)).toHaveLength(1);
      // Signing again later is the same success, still counted once, still one email.
      const again = await t.request('POST', `/api/v1/public/petitions/${p.slug}/signatures`, { key: false, body });
      expect(again.status).toBe(201);
      expect(again.body.signatureCount).toBe(1);
      await mailQueueIdle(t);
      expect(sink.to(body.email as string)).toHaveLength(1);
    });

    it('without opt-in no subscriber is created; with opt-in the signer is subscribed with the consent wording', async () => {
      const p = await createPetition(t, { optInText: 'Email me about the Senate campaign.' });
      const quiet = uniqueEmail('quiet');
      expect((await sign(t, p.slug, { email: quiet })).status).toBe(201);
      expect(await t.query('SELECT id FROM subscribers WHERE lower(email) = lower($1)', [quiet])).toEqual([]);
      const [sig] = await t.query('SELECT opted_in, subscriber_id FROM petition_signatures WHERE email = $1', [quiet]);
      expect(sig).toEqual({ opted_in: false, subscriber_id: null });

      const keen = uniqueEmail('keen');
      expect((await sign(t, p.slug, { email: keen, optIn: true })).status).toBe(201);
      const [sub] = await t.query('SELECT id, status, consent_text, consent_source, state FROM subscribers WHERE lower(email) = lower($1)', [keen]);
      expect(sub).toMatchObject({ status: 'subscribed', consent_text: 'Email me about the Senate campaign.', consent_source: `petition:${p.slug}`, state: 'CO' });
      const [linked] = await t.query('SELECT opted_in, subscriber_id FROM petition_signatures WHERE email = $1', [keen]);
      expect(linked).toEqual({ opted_in: true, subscriber_id: sub.id });
    });

    it('links a known (unsubscribed) subscriber without changing their status when there is no opt-in', async () => {
      const p = await createPetition(t);
      const email = uniqueEmail('known');
      const { subscriber } = await t.get(SubscribersService).upsertByEmail({ email, source: 'test', subscribe: true });
      await t.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1`, [subscriber!.id]);
      expect((await sign(t, p.slug, { email: email.toUpperCase().replace('@EXAMPLE.ORG', '@example.org') })).status).toBe(201);
      const [sig] = await t.query('SELECT subscriber_id FROM petition_signatures WHERE petition_id = $1', [p.id]);
      expect(sig.subscriber_id).toBe(subscriber!.id);
      const [sub] = await t.query('SELECT status FROM subscribers WHERE id = $1', [subscriber!.id]);
      expect(sub.status).toBe('unsubscribed');
    });

    it('never resubscribes a complained address (no thank-you either); an erased one only with a fresh opt-in', async () => {
      const p = await createPetition(t);
      const complained = uniqueEmail('complained');
      const { subscriber } = await t.get(SubscribersService).upsertByEmail({ email: complained, source: 'test', subscribe: true });
      await t.query(`UPDATE subscribers SET status = 'complained' WHERE id = $1`, [subscriber!.id]);
      await t.get(SubscribersService).suppress(complained, 'complained');
      expect((await sign(t, p.slug, { email: complained, optIn: true })).status).toBe(201);
      expect((await t.query('SELECT status FROM subscribers WHERE id = $1', [subscriber!.id]))[0].status).toBe('complained');

      const erased = uniqueEmail('erased');
      await t.get(SubscribersService).suppress(erased, 'erased');
      expect((await sign(t, p.slug, { email: erased })).status).toBe(201);
      expect(await t.query('SELECT 1 FROM subscribers WHERE lower(email) = lower($1)', [erased])).toEqual([]);
      const again = await createPetition(t);
      expect((await sign(t, again.slug, { email: erased, optIn: true })).status).toBe(201);
      expect((await t.query('SELECT status FROM subscribers WHERE lower(email) = lower($1)', [erased]))[0].status).toBe('subscribed');

      await eventually(() => sink.to(erased).length > 0);
      await mailQueueIdle(t);
      expect(sink.to(complained)).toEqual([]);
      // The first signature (still suppressed then) got no thank-you; the second, after fresh consent, did.
      expect(sink.to(erased)).toHaveLength(1);
    });

    it('answers the same whether the address is new, already a subscriber, or already signed (no enumeration)', async () => {
      const p = await createPetition(t);
      const known = uniqueEmail('known');
      await t.get(SubscribersService).upsertByEmail({ email: known, source: 'test', subscribe: true });
      // The share step is each signer's own (their code and links); its shape and count are what must not differ.
      const strip = (b: any) => ({
        ...b,
        signatureCount: undefined,
        share: { ...b.share, code: expect.stringMatching(/^[0-9A-Za-z]{10}$/), personalUrl: expect.any(String), links: Object.keys(b.share.links) },
      });
      const fresh = await sign(t, p.slug, { email: uniqueEmail('new') });
      const existing = await sign(t, p.slug, { email: known });
      const repeat = await sign(t, p.slug, { email: known });
      expect([fresh.status, existing.status, repeat.status]).toEqual([201, 201, 201]);
      expect(strip(existing.body)).toEqual(strip(fresh.body));
      expect(strip(repeat.body)).toEqual(strip(fresh.body));
    });

    it('erasing a signer blanks their personal data but keeps the count', async () => {
      const p = await createPetition(t);
      const email = uniqueEmail('erase');
      await sign(t, p.slug, { email, comment: 'private words' });
      await sign(t, p.slug);
      expect(await t.get(SignaturesService).eraseSigner(email.toUpperCase(), null)).toBe(1);
      const rows = await t.query('SELECT email, first_name, comment, state FROM petition_signatures WHERE petition_id = $1 ORDER BY created_at', [p.id]);
      expect(rows[0]).toEqual({ email: expect.stringMatching(/^erased\+.*@invalid$/), first_name: null, comment: null, state: 'CO' });
      expect((await t.request('GET', `/api/v1/public/petitions/${p.slug}`, { key: false })).body.signatureCount).toBe(2);
    });

    it('records referral code and blast attribution from the body or the link', async () => {
      const p = await createPetition(t);
      const blast = '7b0d6f1e-52a4-4c55-8f6e-0c8f2b0f7a11';
      const a = uniqueEmail('ref');
      expect((await t.request('POST', `/api/v1/public/petitions/${p.slug}/signatures?blast=${blast}&ref=friend-1`, { key: false, body: signatureInput({ email: a }) })).status).toBe(201);
      const [row] = await t.query('SELECT blast_id, referral_code FROM petition_signatures WHERE email = $1', [a]);
      expect(row).toEqual({ blast_id: blast, referral_code: 'friend-1' });
      await sign(t, p.slug, { referralCode: 'friend-1' });
      const stats = await t.request('GET', `/api/v1/petitions/${p.id}/stats`);
      expect(stats.body.byReferral).toEqual([{ referralCode: 'friend-1', count: 2 }]);
      expect(stats.body.byBlast).toEqual([{ blastId: blast, count: 1 }]);
    });

    it('accepts form-encoded signatures (opt-in only when sent)', async () => {
      const p = await createPetition(t);
      const email = uniqueEmail('form');
      const form = new URLSearchParams({ email, firstName: 'Form', lastName: 'Signer', zip: ZIPS.newYork, comment: '' });
      const res = await t.request('POST', `/api/v1/public/petitions/${p.slug}/signatures`, { key: false, raw: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(201);
      const [row] = await t.query('SELECT state, opted_in, comment FROM petition_signatures WHERE email = $1', [email]);
      expect(row).toEqual({ state: 'NY', opted_in: false, comment: null });
    });

    it('a closed petition refuses signatures with a clear 409', async () => {
      const p = await createPetition(t, { status: 'closed' });
      const res = await sign(t, p.slug);
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/closed/);
      expect((await t.query('SELECT count(*)::int AS n FROM petition_signatures WHERE petition_id = $1', [p.id]))[0].n).toBe(0);
      await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { status: 'open' } });
      expect((await sign(t, p.slug)).status).toBe(201);
    });

    it('bad input → 400 naming the field, unknown slug 404, nothing written', async () => {
      const p = await createPetition(t);
      const url = `/api/v1/public/petitions/${p.slug}/signatures`;
      const cases: [Record<string, unknown>, string][] = [
        [{ email: 'not-an-email' }, 'email'],
        [{ email: undefined }, 'email'],
        [{ zip: '8020' }, 'zip'],
        [{ zip: 80202 }, 'zip'],
        [{ comment: 'x'.repeat(2001) }, 'comment'],
        [{ firstName: 'y'.repeat(101) }, 'firstName'],
        [{ optIn: 'maybe' }, 'optIn'],
        [{ state: 'XX' }, 'state'],
        [{ blast: 'not-a-uuid' }, 'blast'],
        [{ isAdmin: true }, 'isAdmin'],
        [{ firstName: 'Nul\u0000Byte' }, 'firstName'],
        [{ comment: 'bell\u0007' }, 'comment'],
      ];
      for (const [override, field] of cases) {
        const res = await t.request('POST', url, { key: false, body: signatureInput(override) });
        expect([res.status, res.body.details?.map((d: any) => d.path)]).toEqual([400, expect.arrayContaining([field])]);
      }
      const badJson = await t.request('POST', url, { key: false, raw: '{"email":', headers: { 'content-type': 'application/json' } });
      expect(badJson.status).toBe(400);
      expect((await sign(t, 'no-such-petition')).status).toBe(404);
      // Fastify answers 414 for a path parameter over 100 characters.
      expect((await sign(t, 'a'.repeat(300))).status).toBe(414);
      for (const slug of ['%00', 'a'.repeat(99) + '-', 'UPPER%20case', '..%2F..']) {
        expect((await sign(t, slug)).status).toBe(404);
        expect((await t.request('GET', `/api/v1/public/petitions/${slug}`, { key: false })).status).toBe(404);
        expect((await t.request('GET', `/p/${slug}`, { key: false })).status).toBe(404);
        expect((await t.request('GET', `/api/v1/petitions/${slug}`)).status).toBe(404);
      }
      expect((await t.request('POST', url, { key: false, body: [signatureInput()] })).status).toBe(400);
      expect((await t.request('POST', `/p/${p.slug}`, { key: false, body: [signatureInput()] })).status).toBe(400);
      expect((await t.request('POST', '/api/v1/petitions', { body: petitionInput({ title: 'a\u0000b' }) })).status).toBe(400);
      expect((await t.query('SELECT count(*)::int AS n FROM petition_signatures WHERE petition_id = $1', [p.id]))[0].n).toBe(0);
    });
  });

  describe('double opt-in (COMP-4)', () => {
    afterAll(async () => {
      await t.request('PATCH', '/api/v1/settings', { body: { doubleOptIn: false } });
    });

    it('an opted-in signer stays unconfirmed and gets one confirmation email, however often they sign', async () => {
      const on = await t.request('PATCH', '/api/v1/settings', { body: { doubleOptIn: true } });
      expect(on.status).toBe(200);
      const p = await createPetition(t);
      const email = uniqueEmail('doi');
      expect((await sign(t, p.slug, { email, optIn: true })).status).toBe(201);
      expect((await sign(t, p.slug, { email, optIn: true })).status).toBe(201);
      const [sub] = await t.query('SELECT status FROM subscribers WHERE lower(email) = lower($1)', [email]);
      expect(sub.status).toBe('unconfirmed');
      await eventually(() => sink.to(email).length >= 2);
      await mailQueueIdle(t);
      const subjects = sink.to(email).map((m) => m.parsed.subject).sort();
      expect(subjects).toHaveLength(2);
      expect(subjects.filter((x) => /confirm/i.test(x ?? ''))).toHaveLength(1);
      expect(subjects.filter((x) => /Thank you for signing/.test(x ?? ''))).toHaveLength(1);
    });
  });

  describe('thank-you email (PET-2)', () => {
    it('arrives with the first-name fallback and the petition title, HTML-escaped', async () => {
      const p = await createPetition(t, { title: 'Stop the <filibuster> games' });
      const email = uniqueEmail('thanks');
      await sign(t, p.slug, { email, firstName: undefined });
      const [msg] = await eventually(() => (sink.to(email).length ? sink.to(email) : undefined));
      expect(msg.parsed.subject).toBe('Thank you for signing: Stop the <filibuster> games');
      expect(msg.parsed.text).toMatch(/^Friend, thank you for signing \*\*Stop the <filibuster> games\*\*/);
      expect(msg.parsed.html).toContain('Friend, thank you for signing <strong>Stop the &lt;filibuster&gt; games</strong>');

      // The organization's identity and FEC disclaimer close the mail once settings have them.
      const org = await t.request('PATCH', '/api/v1/settings', {
        body: { legalName: 'Citizens for Cloture', postalAddress: '1 Main St, Denver, CO 80202', defaultFromName: 'Citizens for Cloture', defaultFromEmail: 'action@cloture.example', disclaimerKind: 'committee' },
      });
      expect(org.status).toBe(200);
      const custom = await createPetition(t, { thankYouSubject: 'Thanks, {{default firstName "friend"}}!', thankYouBody: 'Hi {{default firstName "Friend"}} — {{petitionUrl}}' });
      const named = uniqueEmail('named');
      await sign(t, custom.slug, { email: named, firstName: 'Ada' });
      const [m2] = await eventually(() => (sink.to(named).length ? sink.to(named) : undefined));
      expect(m2.parsed.subject).toBe('Thanks, Ada!');
      expect(m2.parsed.text).toContain(`Hi Ada — ${t.url}/p/${custom.slug}`);
      expect(m2.parsed.from).toMatchObject({ name: 'Citizens for Cloture', address: 'action@cloture.example' });
      expect(m2.parsed.text).toContain('Paid for by Citizens for Cloture.\nCitizens for Cloture, 1 Main St, Denver, CO 80202');
      expect(m2.parsed.html).toContain('Paid for by Citizens for Cloture.<br>Citizens for Cloture, 1 Main St, Denver, CO 80202');
      const page = await t.request('GET', `/p/${custom.slug}`, { key: false });
      expect(page.text).toContain('<footer class="org"><p>Paid for by Citizens for Cloture.</p>');
    });
  });

  describe('organizer views (PET-4)', () => {
    let p: any;
    const sd = uniqueEmail('sd');
    const co = uniqueEmail('co');
    const dc = uniqueEmail('dc');

    beforeAll(async () => {
      p = await createPetition(t, { targets: [{ type: 'own_senators' }, { type: 'role', role: 'minority_leader' }] });
      await sign(t, p.slug, { email: sd, zip: ZIPS.southDakota, firstName: 'Sam', lastName: 'Dakota', comment: '=HYPERLINK("x")' });
      await sign(t, p.slug, { email: co, zip: ZIPS.colorado, firstName: 'Cora', lastName: 'Lorado' });
      await sign(t, p.slug, { email: dc, zip: ZIPS.dc, firstName: 'Dee', lastName: 'Cee' });
    });

    it('pages signatures newest first with a cursor', async () => {
      const first = await t.request('GET', `/api/v1/petitions/${p.id}/signatures?limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.items.map((s: any) => s.email)).toEqual([dc, co]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.request('GET', `/api/v1/petitions/${p.id}/signatures?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((s: any) => s.email)).toEqual([sd]);
      expect(second.body.items[0].targets.sort()).toEqual([SENATORS.rounds, SENATORS.schumer, SENATORS.thune].sort());
      expect(second.body.nextCursor).toBeNull();
      expect((await t.request('GET', `/api/v1/petitions/${p.id}/signatures?cursor=garbage`)).status).toBe(400);
      expect((await t.request('GET', `/api/v1/petitions/${p.id}/signatures?limit=0`)).status).toBe(400);
    });

    it('counts by target, by state and by day', async () => {
      const res = await t.request('GET', `/api/v1/petitions/${p.id}/stats`);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(3);
      const byTarget = Object.fromEntries(res.body.byTarget.map((x: any) => [x.bioguideId, x.count]));
      expect(byTarget).toEqual({ [SENATORS.schumer]: 3, [SENATORS.thune]: 1, [SENATORS.rounds]: 1, [SENATORS.bennet]: 1, [SENATORS.hickenlooper]: 1 });
      expect(res.body.byState).toEqual(expect.arrayContaining([{ state: 'SD', count: 1 }, { state: 'CO', count: 1 }, { state: 'DC', count: 1 }]));
      expect(res.body.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), count: 3 }]);
    });

    it('the Majority Leader packet lists exactly the signers addressed to him', async () => {
      const res = await t.request('GET', `/api/v1/petitions/${p.id}/delivery/majority_leader`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/csv/);
      expect(res.headers.get('content-disposition')).toContain(`${p.slug}-${SENATORS.thune}.csv`);
      const rows = parseCsv(res.text);
      expect(rows).toEqual([
        {
          name: 'Sam Dakota', state: 'SD', zip: ZIPS.southDakota, comment: `'=HYPERLINK("x")`, signed_at: expect.any(String), addressed_as: 'U.S. Senator for South Dakota',
          addressed_to_at_signing: 'John Thune', holder_now: 'John Thune',
        },
      ]);
      const schumer = parseCsv((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/${SENATORS.schumer}`)).text);
      expect(schumer.map((r) => r.name)).toEqual(['Sam Dakota', 'Cora Lorado', 'Dee Cee']);
      expect(schumer[0].addressed_as).toBe('Senate Minority Leader');
      const bennet = parseCsv((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/${SENATORS.bennet}`)).text);
      expect(bennet.map((r) => r.name)).toEqual(['Cora Lorado']);
      expect((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/speaker`)).status).toBe(400);
      expect((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/Z999999`)).status).toBe(404);
    });
  });

  describe('large petitions (PET-4)', () => {
    it('streams a packet across many keyset pages and pages signatures that share one timestamp, without loss or repeats', async () => {
      const p = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }] });
      // 2,500 signatures inserted by one statement share the same created_at: only the id breaks ties.
      await t.query(
        `WITH s AS (
           INSERT INTO petition_signatures (petition_id, email, first_name, last_name, zip, state)
           SELECT $1, 'bulk' || g || '@example.org', 'Bulk', 'Signer ' || g, '80202', 'CO' FROM generate_series(1, 2500) g
           RETURNING id)
         INSERT INTO petition_signature_targets (signature_id, bioguide_id, role) SELECT id, $2, 'majority_leader' FROM s`,
        [p.id, SENATORS.thune],
      );
      const packet = parseCsv((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/majority_leader`)).text);
      expect(packet).toHaveLength(2500);
      expect(new Set(packet.map((r) => r.name)).size).toBe(2500);

      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: any = await t.request('GET', `/api/v1/petitions/${p.id}/signatures?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        for (const s of page.body.items) seen.add(s.id);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen.size).toBe(2500);
    });
  });

  describe('roster changes (TGT-2)', () => {
    afterAll(async () => {
      await t.get(LegislatorsService).importFile(join(__dirname, '..', 'data', 'legislators-current.yaml'));
    });

    it('a re-imported roster with a new Majority Leader changes resolved targets, new signatures and the packet', async () => {
      const p = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }] });
      const before = uniqueEmail('before');
      await sign(t, p.slug, { email: before, zip: ZIPS.newYork });

      const named = await createPetition(t, { targets: [{ type: 'senator', bioguideId: SENATORS.bennet }, { type: 'role', role: 'minority_leader' }] });

      await t.get(LegislatorsService).importFile(writeRosterVariant({ majorityLeader: SENATORS.barrasso, drop: [SENATORS.bennet] }));

      // A named senator who left stays on the petition, marked, and is no longer addressed by new signatures.
      const namedView = await t.request('GET', `/api/v1/public/petitions/${named.slug}`, { key: false });
      expect(namedView.body.targets[0]).toMatchObject({ label: 'Michael F. Bennet, U.S. Senator for Colorado (no longer in office)', current: false });
      const namedSign = await sign(t, named.slug, { zip: ZIPS.colorado });
      expect(namedSign.body.targets.map((x: any) => x.bioguideId)).toEqual([SENATORS.schumer]);
      const retarget = await t.request('PATCH', `/api/v1/petitions/${named.id}`, { body: { targets: [{ type: 'senator', bioguideId: SENATORS.bennet }] } });
      expect(retarget.status).toBe(400);
      expect(retarget.body.message).toMatch(/no longer in office/);

      const pub = await t.request('GET', `/api/v1/public/petitions/${p.slug}`, { key: false });
      expect(pub.body.targets.map((x: any) => x.label)).toEqual(['John Barrasso, Senate Majority Leader']);
      const after = uniqueEmail('after');
      const res = await sign(t, p.slug, { email: after, zip: ZIPS.newYork });
      expect(res.body.targets.map((x: any) => x.label)).toEqual(['John Barrasso, Senate Majority Leader']);
      const rows = await t.query(
        `SELECT s.email, t.bioguide_id, t.role FROM petition_signature_targets t JOIN petition_signatures s ON s.id = t.signature_id
         WHERE s.petition_id = $1 ORDER BY s.created_at`,
        [p.id],
      );
      expect(rows).toEqual([
        { email: before, bioguide_id: SENATORS.thune, role: 'majority_leader' },
        { email: after, bioguide_id: SENATORS.barrasso, role: 'majority_leader' },
      ]);
      // At packet time the role resolves to today's holder: every signer addressed to the Majority Leader.
      const packet = parseCsv((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/majority_leader`)).text);
      expect(packet).toHaveLength(2);
      expect((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/${SENATORS.barrasso}`)).text).toBe(
        (await t.request('GET', `/api/v1/petitions/${p.id}/delivery/majority_leader`)).text,
      );
      expect(parseCsv((await t.request('GET', `/api/v1/petitions/${p.id}/delivery/${SENATORS.thune}`)).text)).toEqual([]);
    });
  });
});

describe('Petition signing abuse limit (PET-5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { PETITION_SIGNATURES_PER_IP_PER_DAY: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 with Retry-After once an IP has used its daily budget (JSON and page share it)', async () => {
    const p = await createPetition(t);
    expect((await sign(t, p.slug)).status).toBe(201);
    expect((await sign(t, p.slug)).status).toBe(201);
    const form = new URLSearchParams({ email: uniqueEmail(), zip: ZIPS.colorado, firstName: 'A', lastName: 'B' });
    expect((await t.request('POST', `/p/${p.slug}`, { key: false, raw: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(200);
    const page = await t.request('POST', `/p/${p.slug}`, { key: false, raw: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(page.status).toBe(429);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('retry-after')).toBeTruthy();
    expect(page.text).toContain('Please try again later');
    const limited = await sign(t, p.slug);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.message).toMatch(/Too many signatures/);
    expect((await t.query('SELECT count(*)::int AS n FROM petition_signatures'))[0].n).toBe(3);
  });
});
