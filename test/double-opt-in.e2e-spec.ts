import { DoubleOptInService } from '../src/double-opt-in/double-opt-in.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { bootApp, TestApp } from './support/app';
import { createBlast, deliveries, sendBlast, waitForStatus } from './support/blast-factories';
import { bounceEmail, statusOf } from './support/bounce-factories';
import { createPetition, sign } from './support/petition-factories';
import { SmtpSink } from './support/smtp-sink';

/** The confirmation link inside a captured message's text part. */
const linkIn = (text: string | undefined) => {
  const m = /(https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+)/.exec(text ?? '');
  if (!m) throw new Error('no confirmation link in the message');
  return new URL(m[1]).pathname;
};

describe('Double opt-in (e2e, COMP-4)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // A short reminder delay so the test can see the one reminder arrive.
    t = await bootApp({ env: { SMTP_URL: sink.url, DOUBLE_OPT_IN_REMINDER_DELAY_MS: '1500', SEND_RATE_PER_SECOND: '500', BLAST_RECONCILE_INTERVAL_MS: '300' } });
    const res = await t.request('PATCH', '/api/v1/settings', { body: { legalName: 'Citizens for Cloture', postalAddress: '1 Main St, Denver, CO 80202', defaultFromName: 'Citizens for Cloture', defaultFromEmail: 'action@cloture.example', doubleOptIn: true } });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  /** A signup as petition signing makes it: status from the setting, consent from the signup form. */
  async function signUp(email = bounceEmail('optin')) {
    const doi = t.get(DoubleOptInService);
    const status = await doi.statusForNewSignup();
    const { subscriber } = await t.get(SubscribersService).upsertByEmail({
      email,
      firstName: 'Ada',
      source: 'petition:stop-the-filibuster',
      subscribe: true,
      status,
      consent: { source: 'petition:stop-the-filibuster', text: 'Email me about this campaign.' },
    });
    await doi.sendConfirmation(subscriber!.id);
    return { id: subscriber!.id, email };
  }

  it('new signups are unconfirmed under the setting, subscribed without it', async () => {
    expect(await t.get(DoubleOptInService).statusForNewSignup()).toBe('unconfirmed');
    await t.request('PATCH', '/api/v1/settings', { body: { doubleOptIn: false } });
    expect(await t.get(DoubleOptInService).statusForNewSignup()).toBe('subscribed');
    await t.request('PATCH', '/api/v1/settings', { body: { doubleOptIn: true } });
  });

  it('sends the confirmation; GET shows a button and changes nothing; POST confirms and records consent', async () => {
    const s = await signUp();
    expect(await statusOf(t, s.id)).toBe('unconfirmed');
    await sink.waitFor(1);
    const [mail] = await waitForMail(s.email, 1);
    expect(mail.parsed.subject).toBe('Please confirm your subscription to Citizens for Cloture');
    const path = linkIn(mail.parsed.text);
    expect(mail.parsed.html).toContain(path);

    // Mail scanners prefetch links: GET (twice) and HEAD change nothing.
    for (const method of ['GET', 'GET', 'HEAD']) {
      const page = await t.request(method, path, { key: false });
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('x-robots-tag')).toContain('noindex');
      if (method === 'GET') {
        expect(page.text).toContain('<form method="post"');
        expect(page.text).toContain('Yes, subscribe me');
        expect(page.text).not.toContain(s.email);
      }
    }
    expect(await statusOf(t, s.id)).toBe('unconfirmed');

    const done = await t.request('POST', path, { key: false });
    expect(done.status).toBe(200);
    expect(done.text).toContain('you are subscribed');
    expect(await statusOf(t, s.id)).toBe('subscribed');
    const [row] = await t.query('SELECT consent_at, consent_source, consent_text FROM subscribers WHERE id = $1', [s.id]);
    expect(row.consent_at).not.toBeNull();
    expect(row.consent_source).toBe('double-opt-in:petition:stop-the-filibuster');
    expect(row.consent_text).toContain('Yes, I want to receive email from Citizens for Cloture');
    expect(row.consent_text).toContain('Email me about this campaign.');

    // Idempotent: a second POST keeps the first consent time; GET now says already confirmed.
    const again = await t.request('POST', path, { key: false });
    expect(again.status).toBe(200);
    const [after] = await t.query('SELECT consent_at FROM subscribers WHERE id = $1', [s.id]);
    expect(after.consent_at).toEqual(row.consent_at);
    expect((await t.request('GET', path, { key: false })).text).toContain('already confirmed');
  });

  it('sends one reminder to a signup still unconfirmed, none after confirmation', async () => {
    const lazy = await signUp();
    const [first] = await waitForMail(lazy.email, 1);
    const [, reminder] = await waitForMail(lazy.email, 2);
    expect(reminder.parsed.subject).toMatch(/^Reminder: please confirm/);
    expect(linkIn(reminder.parsed.text)).toBe(linkIn(first.parsed.text));

    const prompt = await signUp();
    const [mail] = await waitForMail(prompt.email, 1);
    await t.request('POST', linkIn(mail.parsed.text), { key: false });
    expect(await t.get(DoubleOptInService).remind(prompt.id)).toBe('skipped');
  });

  it('signing up twice sends one confirmation', async () => {
    const email = bounceEmail('twice');
    await signUp(email);
    await signUp(email);
    await waitForMail(email, 1);
    const [{ n }] = await t.query<{ n: number }>('SELECT count(*)::int AS n FROM subscribers WHERE lower(email) = lower($1)', [email]);
    expect(n).toBe(1);
    // The reminder is the only other message this address ever gets.
    const mails = await waitForMail(email, 2);
    expect(mails.map((m) => m.parsed.subject?.startsWith('Reminder'))).toEqual([false, true]);
  });

  it('tampered, foreign or no-longer-valid links get the same 404 page and change nothing', async () => {
    const s = await signUp();
    const [mail] = await waitForMail(s.email, 1);
    const path = linkIn(mail.parsed.text);
    const token = path.split('/').pop()!;
    const tampered = `/confirm/${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    for (const p of [tampered, '/confirm/short', `/confirm/${'x'.repeat(47)}`]) {
      const res = await t.request('POST', p, { key: false });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    expect(await statusOf(t, s.id)).toBe('unconfirmed');
    // An address that unsubscribed (or bounced) meanwhile cannot be confirmed back on.
    await t.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1`, [s.id]);
    expect((await t.request('POST', path, { key: false })).status).toBe(404);
    expect(await statusOf(t, s.id)).toBe('unsubscribed');
  });

  it('every malformed or tampered link shape gets one and the same HTML 404 page with the token-page headers (issue 12 item 13)', async () => {
    const s = await signUp();
    const [mail] = await waitForMail(s.email, 1);
    const token = linkIn(mail.parsed.text).split('/').pop()!;
    const reference = await t.request('GET', `/confirm/${'x'.repeat(47)}`, { key: false });
    expect(reference.status).toBe(404);
    expect(reference.text).toContain('<html');
    const shapes = [
      `/confirm/${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`, // tampered signature
      `/confirm/${token}/extra`, // extra path segment
      `/confirm/${token.slice(0, 20)}/${token.slice(20)}`, // a slash inside
      '/confirm/abc/def',
      `/confirm/${token.slice(0, 20)}%2F${token.slice(20)}`, // encoded slash
      '/confirm/', // empty token
      '/confirm',
      '/confirm//',
      `/confirm/${'A'.repeat(5000)}`, // overlong
      `/confirm/${token}${'A'.repeat(200)}`,
      '/confirm/%00', // NUL
      `/confirm/${token}%00`,
    ];
    const wrong: string[] = [];
    for (const path of shapes) {
      for (const method of ['GET', 'POST', 'HEAD']) {
        const res = await t.request(method, path, { key: false });
        const headers = ['content-type', 'cache-control', 'referrer-policy', 'x-robots-tag'].map((h) => res.headers.get(h));
        const expected = ['content-type', 'cache-control', 'referrer-policy', 'x-robots-tag'].map((h) => reference.headers.get(h));
        const same = res.status === 404 && JSON.stringify(headers) === JSON.stringify(expected) && (method === 'HEAD' || res.text === reference.text);
        if (!same) wrong.push(`${method} ${path.slice(0, 60)} → ${res.status} ${headers.join(' | ')} ${res.text.slice(0, 80)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await statusOf(t, s.id)).toBe('unconfirmed');
  });

  it('through public petition signing: opt-in → unconfirmed + confirmation; GET leaves it; POST subscribes with the petition wording', async () => {
    const p = await createPetition(t, { optInText: 'Yes, email me about election security.' });
    const email = bounceEmail('signer');
    expect((await sign(t, p.slug, { email, optIn: true })).status).toBe(201);
    const [row] = await t.query('SELECT id, status FROM subscribers WHERE lower(email) = lower($1)', [email]);
    expect(row.status).toBe('unconfirmed');
    const confirmation = (await waitForMail(email, 2)).find((m) => /confirm your subscription/.test(m.parsed.subject ?? ''));
    const path = linkIn(confirmation!.parsed.text);
    expect((await t.request('GET', path, { key: false })).status).toBe(200);
    expect(await statusOf(t, row.id)).toBe('unconfirmed');
    expect((await t.request('POST', path, { key: false })).status).toBe(200);
    const [after] = await t.query('SELECT status, consent_source, consent_text FROM subscribers WHERE id = $1', [row.id]);
    expect(after).toMatchObject({ status: 'subscribed', consent_source: `double-opt-in:petition:${p.slug}` });
    expect(after.consent_text).toContain('Yes, email me about election security.');
    // A signer who does not opt in gets no confirmation and no subscription.
    const quiet = bounceEmail('quiet');
    expect((await sign(t, p.slug, { email: quiet })).status).toBe(201);
    expect(await t.query('SELECT 1 FROM subscribers WHERE lower(email) = lower($1)', [quiet])).toEqual([]);
  });

  it('API signup: unconfirmed with a confirmation under double opt-in, subscribed at once without it; bad input → 400', async () => {
    const email = bounceEmail('api-signup');
    const res = await t.request('POST', '/api/v1/signups', { body: { email, firstName: 'Grace', source: 'website:footer', consentText: 'Email me campaign updates.' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subscriberId: expect.any(String), status: 'unconfirmed', confirmationSent: true });
    const [mail] = await waitForMail(email, 1);
    expect(mail.parsed.text).toContain('Hello Grace');
    await t.request('POST', linkIn(mail.parsed.text), { key: false });
    const [row] = await t.query('SELECT status, consent_source FROM subscribers WHERE id = $1', [res.body.subscriberId]);
    expect(row).toEqual({ status: 'subscribed', consent_source: 'double-opt-in:website:footer' });
    // Signing up again once subscribed changes nothing and sends nothing.
    expect((await t.request('POST', '/api/v1/signups', { body: { email, consentText: 'Email me.' } })).body).toMatchObject({ status: 'subscribed', confirmationSent: false });

    await t.request('PATCH', '/api/v1/settings', { body: { doubleOptIn: false } });
    try {
      const direct = await t.request('POST', '/api/v1/signups', { body: { email: bounceEmail('direct'), consentText: 'Email me.' } });
      expect(direct.body).toMatchObject({ status: 'subscribed', confirmationSent: false });
    } finally {
      await t.request('PATCH', '/api/v1/settings', { body: { doubleOptIn: true } });
    }
    for (const body of [{ email: 'nope', consentText: 'x' }, { email: bounceEmail() }, { email: bounceEmail(), consentText: 'x', extra: true }, { email: bounceEmail(), consentText: 'x', zip: '123' }]) {
      expect((await t.request('POST', '/api/v1/signups', { body })).status).toBe(400);
    }
    expect((await t.request('POST', '/api/v1/signups', { key: false, body: { email: bounceEmail(), consentText: 'x' } })).status).toBe(401);
  });

  it('blasts reach the person only once confirmed', async () => {
    const s = await signUp();
    const [mail] = await waitForMail(s.email, 1);
    const before = await createBlast(t, { name: 'Before confirmation' });
    await sendBlast(t, before.id);
    await waitForStatus(t, before.id, 'sent');
    expect((await deliveries(t, before.id)).find((d) => d.subscriber_id === s.id)).toMatchObject({ status: 'skipped', skip_reason: 'not_subscribed' });

    await t.request('POST', linkIn(mail.parsed.text), { key: false });
    const after = await createBlast(t, { name: 'After confirmation' });
    await sendBlast(t, after.id);
    await waitForStatus(t, after.id, 'sent');
    expect((await deliveries(t, after.id)).find((d) => d.subscriber_id === s.id)).toMatchObject({ status: 'sent' });
    const got = await waitForMail(s.email, 2);
    expect(got.some((m) => m.parsed.subject?.includes('the Senate is stalling again'))).toBe(true);
  });

  async function waitForMail(email: string, n: number) {
    for (let i = 0; i < 80 && sink.to(email).length < n; i++) await sink.waitFor(sink.messages.length + 1, 250).catch(() => undefined);
    const got = sink.to(email);
    if (got.length < n) throw new Error(`expected ${n} message(s) to ${email}, got ${got.length}`);
    return got;
  }
});
