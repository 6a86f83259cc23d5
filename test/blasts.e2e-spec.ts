import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import { BlastQueueService } from '../src/blasts/blast-queue.service';
import { bootApp, TestApp } from './support/app';
import {
  configureOrganization,
  createBlast,
  deliveries,
  insertManySubscribers,
  insertSubscribers,
  sendBlast,
  waitForStatus,
} from './support/blast-factories';
import { SmtpSink } from './support/smtp-sink';

describe('Blasts (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  const dkimKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dkimPublicKey = dkimKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  beforeAll(async () => {
    let deferrals = 0;
    sink = await new SmtpSink({
      rejectRecipient: (a) => {
        if (a.startsWith('nobody')) return '550 5.1.1 No such user here';
        if (a.startsWith('later.larry') && deferrals++ < 2) return '451 4.7.1 Greylisted, try again later';
        return undefined;
      },
    }).start();
    t = await bootApp({
      env: {
        SMTP_URL: sink.url,
        SEND_RATE_PER_SECOND: '500',
        BLAST_RECONCILE_INTERVAL_MS: '300',
        BLAST_WORKER_STALE_MS: '3000',
        SEND_DEFER_BASE_MS: '300',
        DKIM_DOMAIN: 'mail.stopthestall.example',
        DKIM_SELECTOR: 'cloture2026',
        DKIM_PRIVATE_KEY: dkimKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => sink.clear());

  it('refuses to send before the postal address is set, then sends the action email once per recipient (MSG-3, COMP-1)', async () => {
    const [alex, nameless] = await insertSubscribers(t, [
      { email: 'alex.rivera@example.org', firstName: 'Alex', lastName: 'Rivera', zip: '80202', state: 'CO' },
      { email: 'nameless@example.org' },
    ]);
    await insertSubscribers(t, [{ email: 'gone@example.org', status: 'unsubscribed' }]);
    const blast = await createBlast(t);
    const early = await t.request('POST', `/api/v1/blasts/${blast.id}/send`);
    expect(early.status).toBe(400);
    expect(early.body.message).toMatch(/postalAddress/);

    await configureOrganization(t);
    await sendBlast(t, blast.id);
    expect((await t.request('POST', `/api/v1/blasts/${blast.id}/send`)).status).toBe(202); // second send: no-op
    await waitForStatus(t, blast.id, 'sent');

    expect(sink.messages).toHaveLength(2);
    const [toAlex] = sink.to('alex.rivera@example.org');
    const [toNameless] = sink.to('nameless@example.org');
    expect(toAlex.to).toEqual(['alex.rivera@example.org']);
    expect(toAlex.parsed.subject).toBe('Alex, the Senate is stalling again');
    expect(toNameless.parsed.subject).toBe('Friend, the Senate is stalling again');
    expect(toNameless.parsed.text).toMatch(/^Friend,/);
    expect(toAlex.parsed.html).toContain('Your senators from CO can change that.');
    for (const [m, email] of [[toAlex, 'alex.rivera@example.org'], [toNameless, 'nameless@example.org']] as const) {
      for (const part of [m.parsed.text!, m.parsed.html!.replace(/&#x27;/g, "'")]) {
        expect(part).toContain(`This message was sent to: ${email}`);
        expect(part).toContain("Paid for by Stop the Stall PAC and not authorized by any candidate or candidate's committee.");
        expect(part).toContain('Contributions or gifts to Stop the Stall PAC are not tax deductible.');
        expect(part).toContain('PO Box 1234');
        expect(part).toContain('Receive fewer emails');
        expect(part).toContain('Unsubscribe');
        expect(part).toContain('best efforts');
      }
      expect(m.header('list-unsubscribe')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[A-Za-z0-9_-]+>$/);
      expect(m.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(m.header('list-id')).toBe('"Stop the Stall PAC" <blasts.mail.stopthestall.example>');
      expect(m.header('message-id')).toMatch(/^<[^>]+@mail\.stopthestall\.example>$/);
      expect(m.header('date')).toBeTruthy();
      expect(m.header('content-type')).toMatch(/multipart\/alternative/);
      expect(m.header('from')).toContain('action@mail.stopthestall.example');
    }
    expect(toAlex.header('message-id')).not.toBe(toNameless.header('message-id'));
    const unsubscribeUrl = toAlex.header('list-unsubscribe')!.slice(1, -1);
    expect(toAlex.parsed.html).toContain(unsubscribeUrl);

    const stats = await t.request('GET', `/api/v1/blasts/${blast.id}/stats`);
    expect(stats.body).toMatchObject({ status: 'sent', audience: 2, sent: 2, failed: 0, skipped: 1, skippedByReason: { notSubscribed: 1 }, possibleDuplicates: 0 });
    const ledger = await t.request('GET', `/api/v1/blasts/${blast.id}/deliveries?status=skipped`);
    expect(ledger.body.items).toEqual([expect.objectContaining({ email: 'gone@example.org', skipReason: 'not_subscribed' })]);
    expect((await t.request('GET', `/api/v1/blasts/${blast.id}/deliveries?status=sent&limit=1`)).body.nextCursor).toEqual(expect.any(String));
    void alex;
    void nameless;
    await t.query(`UPDATE subscribers SET status = 'unsubscribed'`);
  });

  /** Everyone who is subscribed right now stops being so, so each test starts from its own people. */
  afterEach(async () => {
    await t.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'subscribed'`);
  });

  describe('DKIM (COMP-2)', () => {
    const resolver = async (name: string, rr: string) => {
      if (rr === 'TXT' && name === 'cloture2026._domainkey.mail.stopthestall.example') return [[`v=DKIM1; k=rsa; p=${dkimPublicKey}`]];
      throw Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' });
    };
    /** The result of every DKIM signature on the message: one "pass" for a good message. */
    const verify = async (raw: string) =>
      (await authenticate(raw, { resolver, disableArc: true, disableDmarc: true, disableBimi: true, ip: '127.0.0.1', helo: 'localhost', sender: 'action@mail.stopthestall.example' } as never)).dkim.results.map(
        (r: { status: { result: string } }) => r.status.result,
      );
    /** The names in h=, lower-case, in order. */
    const signedNames = (signature: string) => signature.match(/(?:^|;)\s*h=([^;]+)/)![1].replace(/\s+/g, '').toLowerCase().split(':');
    const IDENTITY_HEADERS = ['from', 'to', 'subject', 'date', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id'];

    it('signs blasts over-signing the identity and one-click headers: a From or Subject prepended in transit fails', async () => {
      await configureOrganization(t);
      await insertSubscribers(t, [{ email: 'dkim.reader@example.org', firstName: 'Dana' }]);
      const blast = await createBlast(t);
      await sendBlast(t, blast.id);
      await waitForStatus(t, blast.id, 'sent');
      const [m] = sink.to('dkim.reader@example.org');
      expect(m.raw.match(/^DKIM-Signature:/gim)).toHaveLength(1);
      const signature = m.header('dkim-signature')!;
      expect(signature).toMatch(/d=mail\.stopthestall\.example/);
      const names = signedNames(signature);
      for (const name of IDENTITY_HEADERS) expect({ name, listed: names.filter((n) => n === name).length }).toEqual({ name, listed: 2 });

      expect(await verify(m.raw)).toEqual(['pass']);
      for (const added of ['From: "Stop the Stall" <action@stopthestall-donations.example>', 'Subject: Urgent: your donation failed']) {
        expect({ added, results: await verify(`${added}\r\n${m.raw}`) }).toEqual({ added, results: ['fail'] });
      }
      const altered = m.raw.replace(/^List-Unsubscribe-Post: .*$/m, 'List-Unsubscribe-Post: List-Unsubscribe=Nope');
      expect(altered).not.toBe(m.raw);
      expect(await verify(altered)).toEqual(['fail']);
    });

    it('signs transactional mail the same way: the opt-in confirmation and the admin test email', async () => {
      await configureOrganization(t, { doubleOptIn: true });
      try {
        const signup = await t.request('POST', '/api/v1/signups', { body: { email: 'dkim.optin@example.org', firstName: 'Ola', source: 'website:footer', consentText: 'Email me.' } });
        expect(signup.body).toMatchObject({ confirmationSent: true });
        expect((await t.request('POST', '/api/v1/admin/test-email', { body: { to: 'dkim.admin@example.org' } })).status).toBe(200);
        await sink.waitFor(2);
      } finally {
        await configureOrganization(t, { doubleOptIn: false });
      }
      for (const address of ['dkim.optin@example.org', 'dkim.admin@example.org']) {
        const [m] = sink.to(address);
        const names = signedNames(m.header('dkim-signature')!);
        for (const name of ['from', 'to', 'subject', 'date', 'message-id']) expect({ address, name, listed: names.filter((n) => n === name).length }).toEqual({ address, name, listed: 2 });
        expect({ address, results: await verify(m.raw) }).toEqual({ address, results: ['pass'] });
        expect({ address, results: await verify(`From: someone@else.example\r\n${m.raw}`) }).toEqual({ address, results: ['fail'] });
      }
    });
  });

  describe('settings (COMP-1)', () => {
    it('reads and updates the one settings row; admins only; bad values are 400s', async () => {
      const got = await t.request('GET', '/api/v1/settings');
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ legalName: 'Stop the Stall PAC', disclaimerKind: 'not_authorized', readyToSend: true, doubleOptIn: false });
      const authorized = await t.request('PATCH', '/api/v1/settings', {
        body: { disclaimerKind: 'committee_authorized_by_candidate', disclaimerPaidBy: 'Friends of Jane Doe', disclaimerCandidate: 'Jane Doe', orgCapPerDay: 3 },
      });
      expect(authorized.body.disclaimer).toBe('Paid for by Friends of Jane Doe and authorized by Jane Doe.');
      const committee = await t.request('PATCH', '/api/v1/settings', { body: { disclaimerKind: 'committee', disclaimerPaidBy: null } });
      expect(committee.body.disclaimer).toBe('Paid for by Stop the Stall PAC.');

      const organizer = await t.createKey('organizer');
      expect((await t.request('GET', '/api/v1/settings', { key: organizer })).status).toBe(403);
      for (const body of [
        { disclaimerKind: 'paid' },
        { orgCapPerDay: 0 },
        { defaultFromEmail: 'not-an-address' },
        { sendingDomain: 'no spaces.example' },
        { surprise: true },
        { disclaimerKind: null },
        { disclaimerKind: 'committee_authorized_by_candidate', disclaimerCandidate: null },
      ]) {
        const res = await t.request('PATCH', '/api/v1/settings', { body });
        expect(res.status).toBe(400);
      }
      await configureOrganization(t, { orgCapPerDay: null, disclaimerPaidBy: null, disclaimerCandidate: null });
    });

    it('readyToSend is false with the reason while no default from address is set; a blast with its own fromEmail still sends', async () => {
      await configureOrganization(t, { defaultFromEmail: null });
      try {
        expect((await t.request('GET', '/api/v1/settings')).body).toMatchObject({
          readyToSend: false,
          notReadyReason: expect.stringMatching(/no default from address.*defaultFromEmail.*fromEmail/),
        });
        const plain = await createBlast(t);
        const refused = await t.request('POST', `/api/v1/blasts/${plain.id}/send`);
        expect(refused.status).toBe(400);
        expect(refused.body.details).toEqual([expect.objectContaining({ path: 'fromEmail' })]);

        await insertSubscribers(t, [{ email: 'own.from.reader@example.org' }]);
        const own = await createBlast(t, { fromEmail: 'rapid@mail.stopthestall.example' });
        await sendBlast(t, own.id);
        await waitForStatus(t, own.id, 'sent');
        expect(sink.to('own.from.reader@example.org')[0].header('from')).toContain('rapid@mail.stopthestall.example');

        await configureOrganization(t, { defaultFromEmail: null, postalAddress: null });
        const both = (await t.request('GET', '/api/v1/settings')).body;
        expect(both.readyToSend).toBe(false);
        expect(both.notReadyReason).toMatch(/postalAddress.*defaultFromEmail/);
      } finally {
        await configureOrganization(t);
      }
      expect((await t.request('GET', '/api/v1/settings')).body).toMatchObject({ readyToSend: true, notReadyReason: null });
    });

    it('documents settings and blasts in the OpenAPI document (API-2)', async () => {
      const doc = (await t.request('GET', '/docs-json', { key: false })).body;
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/api/v1/settings', '/api/v1/blasts', '/api/v1/blasts/{id}/send', '/api/v1/blasts/{id}/stats', '/api/v1/blasts/{id}/deliveries']),
      );
      expect(doc.components.schemas.BlastStatsDto.properties).toHaveProperty('possibleDuplicates');
    });
  });

  describe('composing (MSG-1, MSG-2, MSG-4, MSG-5)', () => {
    it('rejects unknown merge fields and a dangling greeting before sending, naming the field', async () => {
      const unknown = await createBlast(t, { htmlBody: '<p>Hi {{default firstName "Friend"}}, your rep {{representative}} voted no.</p>' });
      const res = await t.request('POST', `/api/v1/blasts/${unknown.id}/send`);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ path: 'htmlBody', message: expect.stringContaining('representative') })]);

      const dangling = await createBlast(t, { htmlBody: '<p>Hi {{firstName}},</p><p>Call your senators today.</p>' });
      const v = await t.request('POST', `/api/v1/blasts/${dangling.id}/validate`);
      expect(v.body.valid).toBe(false);
      expect(v.body.problems[0].message).toMatch(/Hi ,/);
      expect((await t.request('POST', `/api/v1/blasts/${dangling.id}/schedule`, { body: { sendAt: new Date(Date.now() + 3600_000).toISOString() } })).status).toBe(400);

      const triple = await createBlast(t, { subject: 'Hello', htmlBody: '<p>{{{firstName}}}</p>' });
      expect((await t.request('POST', `/api/v1/blasts/${triple.id}/validate`)).body.problems[0].message).toMatch(/unescaped/);
      const ok = await createBlast(t);
      expect((await t.request('POST', `/api/v1/blasts/${ok.id}/validate`)).body).toEqual({ valid: true, problems: [] });
    });

    it('validation reports every problem of every field at once, and schedule refuses with the same list', async () => {
      // No default from address either: that is one more problem of the same list.
      await configureOrganization(t, { defaultFromEmail: null });
      const blast = await createBlast(t, {
        subject: '{{nope}}: the vote is Friday',
        preheader: 'Hi {{firstName}}, two minutes',
        htmlBody: '<p>Dear {{firstName}},</p><p>Your rep {{representative}} voted no.</p>',
        textBody: 'Dear {{#if}}',
      });
      try {
        const v = await t.request('POST', `/api/v1/blasts/${blast.id}/validate`);
        expect(v.status).toBe(200);
        expect(v.body.valid).toBe(false);
        expect(v.body.problems).toEqual([
          { path: 'subject', message: expect.stringContaining('unknown merge field "nope"') },
          { path: 'preheader', message: expect.stringContaining('"Hi , two minutes"') },
          { path: 'htmlBody', message: expect.stringContaining('unknown merge field "representative"') },
          { path: 'htmlBody', message: expect.stringContaining('"Dear ,"') },
          { path: 'textBody', message: expect.stringContaining('template syntax error') },
          { path: 'fromEmail', message: expect.stringContaining('defaultFromEmail') },
        ]);
        const scheduled = await t.request('POST', `/api/v1/blasts/${blast.id}/schedule`, { body: { sendAt: new Date(Date.now() + 3600_000).toISOString() } });
        expect(scheduled.status).toBe(400);
        expect(scheduled.body.details).toEqual(v.body.problems);
      } finally {
        await configureOrganization(t);
      }
      // A preview cannot render a broken preheader either: a 400 naming it, not a 500.
      const preview = await t.request('POST', `/api/v1/blasts/${blast.id}/preview`, { body: {} });
      expect(preview.status).toBe(400);
      expect(preview.body.details.map((d: { path: string }) => d.path)).toEqual(['subject', 'htmlBody', 'textBody']);
      const badPreheader = await createBlast(t, { preheader: 'Two minutes {{#if}}' });
      const p2 = await t.request('POST', `/api/v1/blasts/${badPreheader.id}/preview`, { body: {} });
      expect(p2.status).toBe(400);
      expect(p2.body.details).toEqual([expect.objectContaining({ path: 'preheader' })]);
    });

    it('sends an HTML fragment as a full document with a charset, and adds the charset to a document without one', async () => {
      await configureOrganization(t);
      const fragment = await createBlast(t, { htmlBody: '<p>Hi {{default firstName "Friend"}}</p><p>Call your senators today.</p>' });
      const document = await createBlast(t);
      for (const [blast, to] of [[fragment, 'fragment.reader@example.org'], [document, 'document.reader@example.org']] as const) {
        expect((await t.request('POST', `/api/v1/blasts/${blast.id}/test`, { body: { to: [to] } })).status).toBe(200);
      }
      await sink.waitFor(2);
      const html = sink.to('fragment.reader@example.org')[0].parsed.html!;
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toMatch(/<head>[\s\S]*<meta charset="utf-8">[\s\S]*<meta name="viewport"[\s\S]*<title>Alex, the Senate is stalling again<\/title>[\s\S]*<\/head>/);
      const body = html.slice(html.indexOf('<body>'), html.indexOf('</body>'));
      expect(body).toContain('<p>Hi Alex</p>');
      expect(body).toContain('This message was sent to: fragment.reader@example.org');
      expect(body).toContain('>Unsubscribe</a>');

      const own = sink.to('document.reader@example.org')[0].parsed.html!;
      expect(own.startsWith('<!doctype html>\n<html>\n<head><meta charset="utf-8"></head><body>')).toBe(true);
      expect(own.match(/<body/g)).toHaveLength(1);
      expect(own).toMatch(/Unsubscribe<\/a><\/p>\n<\/td><\/tr><\/table>\n<\/body><\/html>\s*$/);
    });

    it('previews for a subscriber (escaped) and a sample, and test-sends now', async () => {
      const [id] = await insertSubscribers(t, [{ email: 'preview.person@example.org', firstName: '<b>Sam</b>', state: 'AL' }]);
      const blast = await createBlast(t, { textBody: 'Dear {{default firstName "Friend"}},\nCall today.' });
      const p = await t.request('POST', `/api/v1/blasts/${blast.id}/preview`, { body: { subscriberId: id } });
      expect(p.status).toBe(200);
      expect(p.body.html).toContain('&lt;b&gt;Sam&lt;/b&gt;,');
      expect(p.body.text).toMatch(/^Dear <b>Sam<\/b>,\nCall today\./);
      expect(p.body.text).toContain('This message was sent to: preview.person@example.org');
      const sample = await t.request('POST', `/api/v1/blasts/${blast.id}/preview`, { body: {} });
      expect(sample.body).toMatchObject({ recipient: 'sample', subject: 'Alex, the Senate is stalling again' });
      expect((await t.request('POST', `/api/v1/blasts/${blast.id}/preview`, { body: { subscriberId: '00000000-0000-4000-8000-00000000abcd' } })).status).toBe(404);

      const sent = await t.request('POST', `/api/v1/blasts/${blast.id}/test`, { body: { to: ['organizer@example.org', 'deputy@example.org'] } });
      expect(sent.status).toBe(200);
      await sink.waitFor(2);
      expect(sink.to('organizer@example.org')[0].parsed.subject).toBe('[TEST] Alex, the Senate is stalling again');
      expect((await t.query(`SELECT count(*)::int AS n FROM blast_deliveries WHERE blast_id = $1`, [blast.id]))[0].n).toBe(0);
    });

    it('links in a test send open a page saying so (200, token-page headers) and change nothing, even for a real subscriber', async () => {
      await configureOrganization(t);
      const [real] = await insertSubscribers(t, [{ email: 'real.rita@example.org', firstName: 'Rita' }]);
      const blast = await createBlast(t, { name: 'Filibuster push, week 3' });
      const sent = await t.request('POST', `/api/v1/blasts/${blast.id}/test`, { body: { to: ['tester@example.org'], subscriberId: real } });
      expect(sent.status).toBe(200);
      await sink.waitFor(1);
      const [m] = sink.to('tester@example.org');
      const oneClick = new URL(m.header('list-unsubscribe')!.slice(1, -1));
      const preferences = new URL(m.parsed.html!.match(/href="([^"]+\/preferences\/[^"]+)"/)![1]);
      expect(m.parsed.text).toContain(preferences.href);
      expect(m.parsed.html).toContain(oneClick.href);
      const eventsBefore = (await t.query(`SELECT count(*)::int AS n FROM unsubscribe_events`))[0].n;

      const pages: [string, string, Record<string, unknown> | undefined][] = [
        ['GET', preferences.pathname, undefined],
        ['POST', preferences.pathname, { action: 'unsubscribe' }],
        ['POST', preferences.pathname, { action: 'save', frequency: 'monthly' }],
        ['GET', oneClick.pathname, undefined],
        ['POST', oneClick.pathname, { 'List-Unsubscribe': 'One-Click' }],
        ['POST', oneClick.pathname, { 'List-Unsubscribe': 'One-Click', from: 'page' }],
      ];
      for (const [method, path, form] of pages) {
        const res = await t.request(method, path, {
          key: false,
          raw: form ? new URLSearchParams(form as Record<string, string>).toString() : undefined,
          headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined,
        });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 200 });
        expect(res.text).toContain('This link came from a test send of the blast <strong>Filibuster push, week 3</strong>');
        expect(res.text).toMatch(path.startsWith('/unsubscribe') ? /unsubscribe page/ : /email preferences page/);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-robots-tag')).toContain('noindex');
      }
      expect((await t.query(`SELECT status, frequency FROM subscribers WHERE id = $1`, [real]))[0]).toEqual({ status: 'subscribed', frequency: 'all' });
      expect((await t.query(`SELECT count(*)::int AS n FROM unsubscribe_events`))[0].n).toBe(eventsBefore);

      // The test flag is signed: a test token with one bit changed is just a bad link.
      const token = oneClick.pathname.split('/').pop()!;
      const raw = Buffer.from(token, 'base64url');
      raw[0] ^= 0b100;
      for (const tampered of [raw.toString('base64url'), `${token.slice(0, -2)}${token.endsWith('AA') ? 'BA' : 'AA'}`]) {
        const res = await t.request('GET', `/unsubscribe/${tampered}`, { key: false });
        expect(res.status).toBe(404);
        expect(res.text).toContain('This link is not valid');
      }
    });

    it('edits drafts only, schedules, unschedules and cancels; bad input is a 400', async () => {
      const blast = await createBlast(t);
      expect((await t.request('PATCH', `/api/v1/blasts/${blast.id}`, { body: { name: 'Renamed' } })).body.name).toBe('Renamed');
      const when = new Date(Date.now() + 3600_000).toISOString();
      const scheduled = await t.request('POST', `/api/v1/blasts/${blast.id}/schedule`, { body: { sendAt: when } });
      expect(scheduled.body).toMatchObject({ status: 'scheduled', scheduledAt: when });
      expect((await t.request('PATCH', `/api/v1/blasts/${blast.id}`, { body: { name: 'Late edit' } })).status).toBe(409);
      expect((await t.request('POST', `/api/v1/blasts/${blast.id}/unschedule`)).body.status).toBe('draft');
      expect((await t.request('POST', `/api/v1/blasts/${blast.id}/cancel`)).body.status).toBe('cancelled');
      expect((await t.request('POST', `/api/v1/blasts/${blast.id}/send`)).status).toBe(409);
      expect((await t.request('GET', '/api/v1/blasts?limit=2')).body.items).toHaveLength(2);

      const bad: [string, string, unknown][] = [
        ['POST', '/api/v1/blasts', { subject: 'x', htmlBody: '<p>x</p>' }],
        ['POST', '/api/v1/blasts', { name: 'x', subject: 'x', htmlBody: '<p>x</p>', priority: 'urgent' }],
        ['POST', '/api/v1/blasts', { name: 'x', subject: 'a\r\nBcc: evil@example.org', htmlBody: '<p>x</p>' }],
        ['POST', '/api/v1/blasts', { name: 'x', subject: 'x', htmlBody: '<p>x</p>', segmentId: 'not-a-uuid' }],
        ['POST', '/api/v1/blasts', { name: 'x', subject: 'x', htmlBody: '<p>x</p>', segmentId: '00000000-0000-4000-8000-000000000001' }],
        ['POST', '/api/v1/blasts', { name: 'x', subject: 'x', htmlBody: '<p>x</p>', randomLimit: -1 }],
        ['POST', '/api/v1/blasts', { name: 'x', subject: 'x', htmlBody: '<p>x</p>', extra: 1 }],
        ['POST', `/api/v1/blasts/${blast.id}/schedule`, { sendAt: 'tomorrow' }],
        ['POST', `/api/v1/blasts/${blast.id}/test`, { to: [] }],
        ['GET', '/api/v1/blasts/not-a-uuid', undefined],
        ['GET', `/api/v1/blasts/${blast.id}/deliveries?status=lost`, undefined],
        ['GET', '/api/v1/blasts?cursor=zzz', undefined],
      ];
      for (const [method, path, body] of bad) {
        const res = await t.request(method, path, { body });
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
      }
      const draft = await createBlast(t);
      expect((await t.request('POST', `/api/v1/blasts/${draft.id}/schedule`, { body: { sendAt: '2001-01-01T00:00:00Z' } })).status).toBe(400);
      expect((await t.request('GET', `/api/v1/blasts/00000000-0000-4000-8000-000000000009`)).status).toBe(404);
    });
  });

  describe('frequency caps (PREF-2..4)', () => {
    it('a weekly subscriber gets 1 of 3 blasts in a week; the other two record the skip', async () => {
      const [weekly, everyday, important] = await insertSubscribers(t, [
        { email: 'weekly.wendy@example.org', frequency: 'weekly' },
        { email: 'all.alice@example.org', frequency: 'all' },
        { email: 'important.ian@example.org', frequency: 'important_only' },
      ]);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const b = await createBlast(t, { name: `Week push ${i}`, priority: i === 2 ? 'important' : 'normal' });
        await sendBlast(t, b.id);
        await waitForStatus(t, b.id, 'sent');
        ids.push(b.id);
      }
      expect(sink.to('weekly.wendy@example.org')).toHaveLength(1);
      expect(sink.to('all.alice@example.org')).toHaveLength(3);
      expect(sink.to('important.ian@example.org')).toHaveLength(1);
      const rows = await t.query(`SELECT blast_id, status, skip_reason FROM blast_deliveries WHERE subscriber_id = $1`, [weekly]);
      expect(rows.filter((r) => r.status === 'sent').map((r) => r.blast_id)).toEqual([ids[0]]);
      expect(rows.filter((r) => r.status === 'skipped').map((r) => r.skip_reason)).toEqual(['frequency_cap', 'frequency_cap']);
      expect((await t.request('GET', `/api/v1/blasts/${ids[1]}/stats`)).body.skippedByReason).toMatchObject({ frequencyCap: 2 });
      void everyday;
      void important;
    });

    it('two blasts frozen at the same moment give a weekly subscriber one between them', async () => {
      await insertSubscribers(t, [{ email: 'weekly.walt@example.org', frequency: 'weekly' }, { email: 'monthly.mo@example.org', frequency: 'monthly' }]);
      const [a, b] = [await createBlast(t, { name: 'Race A' }), await createBlast(t, { name: 'Race B' })];
      // Both start sending and both are frozen at the same instant on two connections (not one after the other
      // through the queue), so only the advisory lock and the caps' count of pending rows keep them apart.
      await t.query(`UPDATE blasts SET status = 'sending', started_at = now() WHERE id = ANY ($1::uuid[])`, [[a.id, b.id]]);
      const freezer = t.get(BlastQueueService);
      await Promise.all([freezer.freeze(a.id), freezer.freeze(b.id)]);
      await Promise.all([waitForStatus(t, a.id, 'sent'), waitForStatus(t, b.id, 'sent')]);
      expect(sink.to('weekly.walt@example.org')).toHaveLength(1);
      expect(sink.to('monthly.mo@example.org')).toHaveLength(1);
    });

    it('the org-wide cap applies to everyone (PREF-3), and a topic opt-out skips (PREF-1)', async () => {
      await configureOrganization(t, { orgCapPerDay: 1 });
      try {
        const [x] = await insertSubscribers(t, [{ email: 'capped.carla@example.org' }]);
        const [topic] = await t.query(`INSERT INTO topics (name) VALUES ('Judicial nominations') RETURNING id`);
        const [y] = await insertSubscribers(t, [{ email: 'optout.omar@example.org' }]);
        await t.query(`INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) VALUES ($1, $2)`, [y, topic.id]);
        const first = await createBlast(t, { topicId: topic.id });
        await sendBlast(t, first.id);
        await waitForStatus(t, first.id, 'sent');
        const second = await createBlast(t);
        await sendBlast(t, second.id);
        await waitForStatus(t, second.id, 'sent');
        expect(sink.to('capped.carla@example.org')).toHaveLength(1);
        expect(sink.to('optout.omar@example.org')).toHaveLength(1);
        const skipped = await deliveries(t, second.id);
        expect(skipped.find((d) => d.subscriber_id === x)).toMatchObject({ status: 'skipped', skip_reason: 'org_cap' });
        expect((await deliveries(t, first.id)).find((d) => d.subscriber_id === y)).toMatchObject({ skip_reason: 'topic_opt_out' });
      } finally {
        await configureOrganization(t, { orgCapPerDay: null });
      }
    });
  });

  it('a 5xx marks that recipient failed with the reply (and the Bounces policy applies); a random limit sends to that many (SEG-4)', async () => {
    await configureOrganization(t);
    const [nobody] = await insertSubscribers(t, [{ email: 'nobody.here@example.org' }]);
    await insertManySubscribers(t, 20, 'limit');
    const all = await createBlast(t);
    await sendBlast(t, all.id);
    await waitForStatus(t, all.id, 'sent');
    const failed = await t.request('GET', `/api/v1/blasts/${all.id}/deliveries?status=failed`);
    expect(failed.body.items).toEqual([expect.objectContaining({ email: 'nobody.here@example.org', responseCode: 550, response: expect.stringContaining('No such user') })]);
    expect((await t.query(`SELECT status FROM subscribers WHERE id = $1`, [nobody]))[0].status).toBe('bounced');
    expect((await t.request('GET', `/api/v1/blasts/${all.id}/stats`)).body).toMatchObject({ sent: 20, failed: 1, bounced: 1 });

    const limited = await createBlast(t, { randomLimit: 5 });
    await sendBlast(t, limited.id);
    await waitForStatus(t, limited.id, 'sent');
    expect((await t.request('GET', `/api/v1/blasts/${limited.id}/stats`)).body).toMatchObject({ audience: 5, sent: 5 });
  });

  it('a 4xx deferral retries that recipient later and delivers once (MSG-8)', async () => {
    await configureOrganization(t);
    const [larry] = await insertSubscribers(t, [{ email: 'later.larry@example.org' }, { email: 'prompt.pat@example.org' }]);
    const blast = await createBlast(t);
    await sendBlast(t, blast.id);
    await waitForStatus(t, blast.id, 'sent');
    expect(sink.to('later.larry@example.org')).toHaveLength(1);
    expect(sink.to('prompt.pat@example.org')).toHaveLength(1);
    const [row] = await t.query(`SELECT status, attempts FROM blast_deliveries WHERE blast_id = $1 AND subscriber_id = $2`, [blast.id, larry]);
    expect(row).toEqual({ status: 'sent', attempts: 3 });
  });

  it('sends to a saved segment only (SEG-1 integration)', async () => {
    await configureOrganization(t);
    await insertSubscribers(t, [
      { email: 'volunteer.vic@example.org', tags: ['volunteer'], state: 'CO' },
      { email: 'volunteer.val@example.org', tags: ['volunteer'], state: 'AL' },
      { email: 'donor.dee@example.org', tags: ['donor'], state: 'CO' },
    ]);
    const seg = await t.request('POST', '/api/v1/segments', { body: { name: 'Colorado volunteers', rules: { and: [{ tag: 'volunteer' }, { state: ['CO'] }] } } });
    expect(seg.status).toBe(201);
    const blast = await createBlast(t, { segmentId: seg.body.id });
    await sendBlast(t, blast.id);
    await waitForStatus(t, blast.id, 'sent');
    expect(sink.messages.map((m) => m.to[0])).toEqual(['volunteer.vic@example.org']);
    expect((await t.request('DELETE', `/api/v1/segments/${seg.body.id}`)).status).toBe(409);

    // A segment whose stored rules no longer compile holds the blast with a reason instead of retrying forever.
    await t.query(`UPDATE segments SET rules = '{"bogus": true}' WHERE id = $1`, [seg.body.id]);
    const broken = await createBlast(t, { segmentId: seg.body.id });
    await sendBlast(t, broken.id);
    await waitForStatus(t, broken.id, 'paused');
    expect((await t.request('GET', `/api/v1/blasts/${broken.id}`)).body.pauseReason).toMatch(/audience could not be frozen/);
  });

  it('links to our petition pages carry the blast, so signatures count as its actions (MSG-9)', async () => {
    const blast = await createBlast(t, { htmlBody: `<p>{{default firstName "Friend"}},</p><p><a href="${t.env.PUBLIC_BASE_URL}/p/stop-the-stall">Sign now</a></p>` });
    const p = await t.request('POST', `/api/v1/blasts/${blast.id}/preview`, { body: {} });
    expect(p.body.html).toContain(`href="${t.env.PUBLIC_BASE_URL}/p/stop-the-stall?blast=${blast.id}"`);
    expect(p.body.text).toContain(`${t.env.PUBLIC_BASE_URL}/p/stop-the-stall?blast=${blast.id}`);
    expect((await t.request('GET', `/api/v1/blasts/${blast.id}/stats`)).body).toMatchObject({ actions: 0, unsubscribed: 0 });
  });
});
