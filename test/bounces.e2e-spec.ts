import { BouncesService } from '../src/bounces/bounces.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { bootApp, TestApp } from './support/app';
import { SnsHttpClient } from '../src/bounces/sns-http-client';
import { configureOrganization } from './support/blast-factories';
import {
  arfMessage,
  autoReplyMessage,
  daysAgo,
  dsnMessage,
  insertListMember,
  insertManyListMembers,
  insertSentBlast,
  postBounceEvents,
  postDsn,
  postSns,
  sesBounce,
  sesComplaint,
  signBody,
  SNS_TEST_CERT,
  snsMessage,
  statusOf,
  WEBHOOK_SECRET,
} from './support/bounce-factories';

describe('Bounces (e2e, COMP-3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    // AWS is outside the machine: serve the test certificate, record subscription confirmations.
    const sns = t.get(SnsHttpClient);
    sns.getCertificate = async () => SNS_TEST_CERT;
    sns.confirmSubscription = async (url: string) => {
      confirmed.push(url);
    };
  });
  const confirmed: string[] = [];
  const eventCount = async () => (await t.query<{ n: number }>('SELECT count(*)::int AS n FROM bounce_events'))[0].n;
  afterAll(async () => {
    await t?.close();
  });

  describe('SMTP replies at send time (service the send loop calls)', () => {
    it('550 5.1.1 marks the recipient bounced at once and records the event', async () => {
      const s = await insertListMember(t);
      const out = await t.get(BouncesService).handleSmtpRejection({ subscriberId: s.id, blastId: null, responseCode: 550, response: '5.1.1 <x>: Recipient address rejected: User unknown' });
      expect(out).toMatchObject({ action: 'bounced', type: 'hard' });
      expect(await statusOf(t, s.id)).toBe('bounced');
      const events = await t.query('SELECT type, provider, code FROM bounce_events WHERE subscriber_id = $1', [s.id]);
      expect(events).toEqual([{ type: 'hard', provider: 'smtp', code: expect.stringContaining('550 5.1.1') }]);
    });

    it('550 5.7.26 (DMARC, about the sender) suppresses nobody and records an alert', async () => {
      const s = await insertListMember(t);
      const out = await t.get(BouncesService).handleSmtpRejection({ subscriberId: s.id, responseCode: 550, response: '5.7.26 This mail has been blocked because the sender is unauthenticated.' });
      expect(out.action).toBe('alerted');
      expect(await statusOf(t, s.id)).toBe('subscribed');
      expect(await t.get(SubscribersService).isSuppressed(s.email)).toBe(false);
      const events = await t.query('SELECT type FROM bounce_events WHERE subscriber_id = $1', [s.id]);
      expect(events).toEqual([{ type: 'policy' }]);
    });

    it('deferrals that exhausted their retries in three blasts count as three soft bounces → bounced', async () => {
      const s = await insertListMember(t);
      const bounces = t.get(BouncesService);
      for (let i = 0; i < 3; i++) {
        const blast = await insertSentBlast(t, [s.id], { status: 'sent' });
        const out = await bounces.handleSoftBounce({ subscriberId: s.id, blastId: blast.id, responseCode: 452, response: '4.2.2 Mailbox full' });
        // The send loop may report the same rejection twice (a retried batch): it counts once.
        await bounces.handleSoftBounce({ subscriberId: s.id, blastId: blast.id, responseCode: 452, response: '4.2.2 Mailbox full' });
        expect(out.action).toBe(i < 2 ? 'counted' : 'bounced');
      }
      expect(await statusOf(t, s.id)).toBe('bounced');
    });

    it('a hard bounce never turns a complaint back into a bounce', async () => {
      const s = await insertListMember(t, 'complained');
      await t.get(BouncesService).handleSmtpRejection({ subscriberId: s.id, responseCode: 550, response: '5.1.1 gone' });
      expect(await statusOf(t, s.id)).toBe('complained');
    });
  });

  describe('signed generic webhook POST /webhooks/bounces', () => {
    it('three soft bounces within 30 days mark the subscriber bounced', async () => {
      const s = await insertListMember(t);
      const res1 = await postBounceEvents(t, [{ type: 'soft', email: s.email, code: '452 4.2.2', occurredAt: daysAgo(20) }]);
      expect(res1.status).toBe(200);
      expect(res1.body).toEqual({ events: 1, actions: { counted: 1 } });
      await postBounceEvents(t, [{ type: 'soft', email: s.email, occurredAt: daysAgo(10) }]);
      expect(await statusOf(t, s.id)).toBe('subscribed');
      const res3 = await postBounceEvents(t, [{ type: 'soft', email: s.email.toUpperCase(), occurredAt: daysAgo(1) }]);
      expect(res3.body.actions).toEqual({ bounced: 1 });
      expect(await statusOf(t, s.id)).toBe('bounced');
    });

    it('three soft bounces spread over 90 days do not', async () => {
      const s = await insertListMember(t);
      for (const d of [80, 40, 1]) {
        expect((await postBounceEvents(t, [{ type: 'soft', email: s.email, occurredAt: daysAgo(d) }])).status).toBe(200);
      }
      expect(await statusOf(t, s.id)).toBe('subscribed');
      expect(await t.query('SELECT count(*)::int AS n FROM bounce_events WHERE subscriber_id = $1', [s.id])).toEqual([{ n: 3 }]);
    });

    it('a retried event (same id) is applied once', async () => {
      const s = await insertListMember(t);
      const event = { type: 'soft', email: s.email, id: 'evt-retried-1', provider: 'postmark' };
      for (let i = 0; i < 3; i++) await postBounceEvents(t, [event]);
      expect(await statusOf(t, s.id)).toBe('subscribed');
      const last = await postBounceEvents(t, [event]);
      expect(last.body.actions).toEqual({ duplicate: 1 });
    });

    it('a hard bounce and a complaint by address; the complaint also suppresses the address for good', async () => {
      const hard = await insertListMember(t);
      const complainer = await insertListMember(t);
      const res = await postBounceEvents(t, [
        { type: 'hard', email: hard.email, code: '550 5.1.1' },
        { type: 'complaint', email: complainer.email, provider: 'mailgun' },
      ]);
      expect(res.body).toEqual({ events: 2, actions: { bounced: 1, complained: 1 } });
      expect(await statusOf(t, hard.id)).toBe('bounced');
      expect(await statusOf(t, complainer.id)).toBe('complained');
      expect(await t.get(SubscribersService).isSuppressed(complainer.email)).toBe(true);
      expect(await t.get(SubscribersService).isSuppressed(hard.email)).toBe(false);
    });

    it('unsigned, forged or re-signed-with-another-secret requests → 401 and nothing changes', async () => {
      const s = await insertListMember(t);
      const before = await eventCount();
      const raw = JSON.stringify({ events: [{ type: 'hard', email: s.email }] });
      const unsigned = await t.request('POST', '/webhooks/bounces', { key: false, raw, headers: { 'content-type': 'application/json' } });
      expect(unsigned.status).toBe(401);
      expect(unsigned.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      // Signature of another body (the attacker changed the address after signing).
      const forged = await postBounceEvents(t, [{ type: 'hard', email: s.email }], signBody(JSON.stringify({ events: [{ type: 'hard', email: 'other@example.org' }] })));
      expect(forged.status).toBe(401);
      expect((await postBounceEvents(t, [{ type: 'hard', email: s.email }], signBody(raw, 'not-the-secret-at-all-0000'))).status).toBe(401);
      expect((await postBounceEvents(t, [{ type: 'hard', email: s.email }], 'sha256=zz')).status).toBe(401);
      // An admin API key is no substitute for the signature.
      expect((await t.request('POST', '/webhooks/bounces', { raw, headers: { 'content-type': 'application/json' } })).status).toBe(401);
      expect(await statusOf(t, s.id)).toBe('subscribed');
      expect(await eventCount()).toBe(before);
    });

    it('signed but invalid events → 400 naming the field, nothing recorded', async () => {
      const before = await eventCount();
      const cases: [unknown[], string][] = [
        [[{ type: 'bounce', email: 'a@example.org' }], 'events.0.type'],
        [[{ type: 'hard' }], 'events.0.email'],
        [[{ type: 'hard', email: 'not-an-address' }], 'events.0.email'],
        [[{ type: 'soft', email: 'a@example.org', occurredAt: 'yesterday' }], 'events.0.occurredAt'],
        [[{ type: 'soft', email: 'a@example.org', extra: 1 }], 'events.0.extra'],
      ];
      for (const [events, path] of cases) {
        const res = await postBounceEvents(t, events as Record<string, unknown>[]);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).toContain(path.split('.').pop());
      }
      const empty = await postBounceEvents(t, []);
      expect(empty.status).toBe(400);
      const badJson = '{"events": [';
      expect((await t.request('POST', '/webhooks/bounces', { key: false, raw: badJson, headers: { 'content-type': 'application/json', 'x-cloture-signature': signBody(badJson) } })).status).toBe(400);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('Amazon SES via SNS POST /webhooks/bounces/ses', () => {
    it('a signed SES complaint marks the subscriber complained and suppresses the address', async () => {
      const s = await insertListMember(t);
      const res = await postSns(t, snsMessage('Notification', sesComplaint(s.email)));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: 'Notification', events: 1, actions: { complained: 1 } });
      expect(await statusOf(t, s.id)).toBe('complained');
      expect(await t.get(SubscribersService).isSuppressed(s.email)).toBe(true);
      const [event] = await t.query('SELECT type, provider, code FROM bounce_events WHERE subscriber_id = $1', [s.id]);
      expect(event).toEqual({ type: 'complaint', provider: 'ses', code: 'abuse' });
    });

    it('Permanent bounce → bounced; Transient → counted as soft (SignatureVersion 1 too)', async () => {
      const hard = await insertListMember(t);
      const soft = await insertListMember(t);
      expect((await postSns(t, snsMessage('Notification', sesBounce(hard.email, 'Permanent')))).body.actions).toEqual({ bounced: 1 });
      expect((await postSns(t, snsMessage('Notification', sesBounce(soft.email, 'Transient'), { version: '1' }))).body.actions).toEqual({ counted: 1 });
      expect(await statusOf(t, hard.id)).toBe('bounced');
      expect(await statusOf(t, soft.id)).toBe('subscribed');
    });

    it('a redelivered notification is applied once', async () => {
      const s = await insertListMember(t);
      const msg = snsMessage('Notification', sesBounce(s.email, 'Transient'));
      await postSns(t, msg);
      expect((await postSns(t, msg)).body.actions).toEqual({ duplicate: 1 });
    });

    it('rejects a tampered message, a foreign certificate URL or key, and nothing changes', async () => {
      const s = await insertListMember(t);
      const before = await eventCount();
      const tampered = snsMessage('Notification', sesComplaint('someone-else@example.org'));
      tampered.Message = sesComplaint(s.email);
      expect((await postSns(t, tampered)).status).toBe(401);
      for (const certUrl of ['http://sns.us-east-1.amazonaws.com/cert.pem', 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem', 'https://evil.example/sns.us-east-1.amazonaws.com.pem']) {
        expect((await postSns(t, snsMessage('Notification', sesComplaint(s.email), { certUrl }))).status).toBe(401);
      }
      const { privateKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }));
      expect((await postSns(t, snsMessage('Notification', sesComplaint(s.email), { key: privateKey }))).status).toBe(401);
      expect((await t.request('POST', '/webhooks/bounces/ses', { key: false, raw: '{"Type":"Notification"}', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
      expect((await t.request('POST', '/webhooks/bounces/ses', { key: false, raw: 'not json', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
      expect(await statusOf(t, s.id)).toBe('subscribed');
      expect(await eventCount()).toBe(before);
    });

    it('with SES_SNS_TOPIC_ARNS set, other topics are refused even when signed', async () => {
      const strict = await bootApp({ worker: false, database: t.database, env: { SES_SNS_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:only-this' } });
      try {
        strict.get(SnsHttpClient).getCertificate = async () => SNS_TEST_CERT;
        const s = await insertListMember(t);
        expect((await postSns(strict, snsMessage('Notification', sesComplaint(s.email)))).status).toBe(401);
        expect(await statusOf(t, s.id)).toBe('subscribed');
        const ok = await postSns(strict, snsMessage('Notification', sesComplaint(s.email), { topicArn: 'arn:aws:sns:us-east-1:123456789012:only-this' }));
        expect(ok.body.actions).toEqual({ complained: 1 });
      } finally {
        await strict.close();
      }
    });

    it('records and confirms a SubscriptionConfirmation', async () => {
      const msg = snsMessage('SubscriptionConfirmation', 'You have chosen to subscribe to the topic.');
      const res = await postSns(t, msg);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: 'SubscriptionConfirmation', subscription: 'confirmed' });
      expect(confirmed).toContain(msg.SubscribeURL);
      const [row] = await t.query('SELECT topic_arn, confirmed_at FROM sns_subscriptions');
      expect(row.topic_arn).toBe(msg.TopicArn);
      expect(row.confirmed_at).not.toBeNull();
    });
  });

  describe('raw DSN / ARF intake POST /webhooks/dsn', () => {
    it('an RFC 3464 report with 5.1.1 marks the recipient bounced', async () => {
      const s = await insertListMember(t);
      const res = await postDsn(t, dsnMessage({ to: s.email }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ events: 1, actions: { bounced: 1 } });
      expect(await statusOf(t, s.id)).toBe('bounced');
    });

    it('a DSN for 5.7.26 (DMARC) suppresses nobody; a delayed report is not a bounce', async () => {
      const s = await insertListMember(t);
      expect((await postDsn(t, dsnMessage({ to: s.email, status: '5.7.26' }))).body).toEqual({ events: 1, actions: { alerted: 1 } });
      expect((await postDsn(t, dsnMessage({ to: s.email, status: '4.4.1', action: 'delayed', diagnostic: '421 4.4.1 timeout' }))).body).toMatchObject({ events: 0, ignored: 'no-failure' });
      expect(await statusOf(t, s.id)).toBe('subscribed');
    });

    it('an ARF abuse report marks the recipient complained and suppressed', async () => {
      const s = await insertListMember(t);
      const res = await postDsn(t, arfMessage({ to: s.email }));
      expect(res.body).toEqual({ events: 1, actions: { complained: 1 } });
      expect(await statusOf(t, s.id)).toBe('complained');
      expect(await t.get(SubscribersService).isSuppressed(s.email)).toBe(true);
    });

    it('an auto-reply is ignored: nothing recorded, nobody changed', async () => {
      const s = await insertListMember(t);
      const before = await eventCount();
      const res = await postDsn(t, autoReplyMessage(s.email));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ events: 0, ignored: 'auto-reply' });
      expect(await statusOf(t, s.id)).toBe('subscribed');
      expect(await eventCount()).toBe(before);
    });

    it('also accepts the report posted as its multipart/report body', async () => {
      const s = await insertListMember(t);
      const whole = dsnMessage({ to: s.email });
      const [head, ...rest] = whole.split('\r\n\r\n');
      const contentType = /Content-Type: (multipart\/report[^\r\n]*)/.exec(head)![1];
      const body = rest.join('\r\n\r\n');
      const res = await t.request('POST', '/webhooks/dsn', { key: false, raw: body, headers: { 'content-type': contentType, 'x-cloture-signature': signBody(body) } });
      expect(res.body).toEqual({ events: 1, actions: { bounced: 1 } });
    });

    it('an unsigned report → 401; an unreadable or wrongly typed body → 4xx', async () => {
      const s = await insertListMember(t);
      const raw = dsnMessage({ to: s.email });
      expect((await t.request('POST', '/webhooks/dsn', { key: false, raw, headers: { 'content-type': 'message/rfc822' } })).status).toBe(401);
      expect((await postDsn(t, raw, signBody(`${raw}x`))).status).toBe(401);
      expect(await statusOf(t, s.id)).toBe('subscribed');
      const odd = await t.request('POST', '/webhooks/dsn', { key: false, raw: 'x', headers: { 'content-type': 'application/pdf', 'x-cloture-signature': signBody('x') } });
      expect(odd.status).toBe(415);
    });
  });

  describe('attribution, reset and the complaint-rate guard', () => {
    it('an event naming our Message-ID is attributed to the blast and the recipient (counted in blast stats)', async () => {
      const s = await insertListMember(t);
      const blast = await insertSentBlast(t, [s.id]);
      const res = await postBounceEvents(t, [{ type: 'hard', messageId: blast.messageIdOf(s.id), code: '550 5.1.1' }]);
      expect(res.body.actions).toEqual({ bounced: 1 });
      const [event] = await t.query('SELECT subscriber_id, blast_id, attribution FROM bounce_events WHERE blast_id = $1', [blast.id]);
      expect(event).toEqual({ subscriber_id: s.id, blast_id: blast.id, attribution: 'message_id' });
      expect(await t.get(BouncesService).countsForBlast(blast.id)).toEqual({ hard: 1, soft: 0, complaints: 0, policy: 0 });
      // A Message-ID that names no delivery of ours attributes nothing.
      const stranger = await postBounceEvents(t, [{ type: 'hard', messageId: `<${blast.id}.${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}@mail.cloture.example>` }]);
      expect(stranger.body.actions).toEqual({ unmatched: 1 });
    });

    it('a successful delivery resets the soft-bounce count', async () => {
      const s = await insertListMember(t);
      const a = await insertSentBlast(t, [s.id], { status: 'sent', sentAt: new Date(Date.now() - 10 * 86_400_000) });
      const b = await insertSentBlast(t, [s.id], { status: 'sent', sentAt: new Date(Date.now() - 5 * 86_400_000) });
      await postBounceEvents(t, [{ type: 'soft', messageId: a.messageIdOf(s.id), occurredAt: daysAgo(9) }]);
      await postBounceEvents(t, [{ type: 'soft', messageId: b.messageIdOf(s.id), occurredAt: daysAgo(4) }]);
      // Blast c reached the person (no bounce came back): the two earlier soft bounces no longer count.
      await insertSentBlast(t, [s.id], { status: 'sent', sentAt: new Date(Date.now() - 2 * 86_400_000) });
      const third = await postBounceEvents(t, [{ type: 'soft', email: s.email, occurredAt: daysAgo(1) }]);
      expect(third.body.actions).toEqual({ counted: 1 });
      expect(await statusOf(t, s.id)).toBe('subscribed');
    });

    it('soft bounces of the messages themselves do not reset their own count', async () => {
      const s = await insertListMember(t);
      for (const d of [9, 6, 3]) {
        const blast = await insertSentBlast(t, [s.id], { status: 'sent', sentAt: new Date(Date.now() - d * 86_400_000) });
        await postBounceEvents(t, [{ type: 'soft', messageId: blast.messageIdOf(s.id), occurredAt: daysAgo(d - 1) }]);
      }
      expect(await statusOf(t, s.id)).toBe('bounced');
    });

    it('complaints above 0.3 % of sent pause a sending blast with a reason; below, it keeps sending', async () => {
      const small = await insertManyListMembers(t, 20);
      const hot = await insertSentBlast(t, small);
      const res = await postSns(t, snsMessage('Notification', sesComplaint((await t.query('SELECT email FROM subscribers WHERE id = $1', [small[0]]))[0].email, hot.messageIdOf(small[0]))));
      expect(res.body.actions).toEqual({ complained: 1 });
      const [paused] = await t.query('SELECT status, pause_reason FROM blasts WHERE id = $1', [hot.id]);
      expect(paused.status).toBe('paused');
      expect(paused.pause_reason).toMatch(/1 spam complaint\(s\) for 20 message\(s\) sent \(5 %\).*0\.3 %/);
      const seen = await t.request('GET', `/api/v1/bounces/blasts/${hot.id}`);
      expect(seen.body).toMatchObject({ status: 'paused', pauseReason: paused.pause_reason, sent: 20, complaints: 1, complaintRate: 0.05 });
      expect(seen.body.automaticPauses).toEqual([{ kind: 'complaint_rate', reason: paused.pause_reason, at: expect.any(String) }]);

      // The organizer read the reason and resumed (resuming needs complete settings): the same cause does not pause it again.
      await configureOrganization(t);
      expect((await t.request('POST', `/api/v1/blasts/${hot.id}/resume`)).status).toBeLessThan(300);
      await postBounceEvents(t, [{ type: 'complaint', messageId: hot.messageIdOf(small[1]) }]);
      const resumed = await t.request('GET', `/api/v1/bounces/blasts/${hot.id}`);
      expect(resumed.body).toMatchObject({ status: 'sending', pauseReason: null, complaints: 2 });
      expect(resumed.body.automaticPauses).toHaveLength(1);

      const big = await insertManyListMembers(t, 400);
      const calm = await insertSentBlast(t, big);
      await postBounceEvents(t, [{ type: 'complaint', messageId: calm.messageIdOf(big[0]) }]);
      expect((await t.query('SELECT status, pause_reason FROM blasts WHERE id = $1', [calm.id]))[0]).toEqual({ status: 'sending', pause_reason: null });
      await postBounceEvents(t, [{ type: 'complaint', messageId: calm.messageIdOf(big[1]) }]);
      expect((await t.query('SELECT status FROM blasts WHERE id = $1', [calm.id]))[0].status).toBe('paused');
    });
  });

  describe('sender-policy guard', () => {
    it('ten 5.7.x rejections above 2 % of the messages tried pause a sending blast; a few among many do not', async () => {
      const bounces = t.get(BouncesService);
      const reached = await insertManyListMembers(t, 20);
      const refused = await insertManyListMembers(t, 10);
      const blast = await insertSentBlast(t, reached);
      for (const [i, id] of refused.entries()) {
        await bounces.handleSmtpRejection({ subscriberId: id, blastId: blast.id, responseCode: 550, response: '5.7.26 Unauthenticated email is not accepted' });
        const [row] = await t.query('SELECT status FROM blasts WHERE id = $1', [blast.id]);
        expect(row.status).toBe(i < 9 ? 'sending' : 'paused');
      }
      const seen = await t.request('GET', `/api/v1/bounces/blasts/${blast.id}`);
      expect(seen.body).toMatchObject({ status: 'paused', policyRejections: 10, pauseReason: expect.stringMatching(/sender policy.*nobody was suppressed/) });
      expect(await t.query(`SELECT count(*)::int AS n FROM subscribers WHERE id = ANY($1::uuid[]) AND status = 'subscribed'`, [refused])).toEqual([{ n: 10 }]);

      const many = await insertManyListMembers(t, 600);
      const calm = await insertSentBlast(t, many);
      for (const id of (await insertManyListMembers(t, 10))) {
        await bounces.handleSmtpRejection({ subscriberId: id, blastId: calm.id, responseCode: 550, response: '5.7.1 DMARC policy' });
      }
      expect((await t.query('SELECT status FROM blasts WHERE id = $1', [calm.id]))[0].status).toBe('sending');
    });
  });

  describe('organizer views', () => {
    it('lists events newest first with cursor pages, filters by type; bad queries → 400; unknown blast → 404', async () => {
      const s = await insertListMember(t);
      await postBounceEvents(t, [1, 2, 3].map((d) => ({ type: 'soft', email: s.email, occurredAt: daysAgo(d + 100) })));
      const page1 = await t.request('GET', `/api/v1/bounces?subscriberId=${s.id}&limit=2`);
      expect(page1.status).toBe(200);
      expect(page1.body.items).toHaveLength(2);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await t.request('GET', `/api/v1/bounces?subscriberId=${s.id}&limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body).toMatchObject({ items: [expect.objectContaining({ type: 'soft' })], nextCursor: null });
      const times = [...page1.body.items, ...page2.body.items].map((e: { occurredAt: string }) => Date.parse(e.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      for (const q of ['type=bounce', 'blastId=nope', 'limit=0', 'limit=1000', 'cursor=%25%25', 'cursor=bm90LWEtY3Vyc29y', 'extra=1']) {
        expect((await t.request('GET', `/api/v1/bounces?${q}`)).status).toBe(400);
      }
      expect((await t.request('GET', '/api/v1/bounces/blasts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await t.request('GET', '/api/v1/bounces', { key: false })).status).toBe(401);
    });
  });
});
