import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { QUEUES } from '../src/core/queue/queues';
import { UnsubscribeTokenService } from '../src/preferences/unsubscribe-token.service';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, sendBlast, waitForStatus } from './support/blast-factories';
import { postBounceEvents, WEBHOOK_SECRET } from './support/bounce-factories';
import { createPetition, eventually } from './support/petition-factories';
import { CapturedMessage, SmtpSink } from './support/smtp-sink';
import { csv, uploadCsv, waitForImport } from './support/subscriber-factories';

jest.setTimeout(180_000);

/**
 * One campaign from first import to export, across every module, in the order a real one runs (the lesson of a
 * release where an erasure made every later blast fail: no test had sent a blast after an erasure). After each step
 * the messages at the SMTP sink and the rows of every table are checked. When a module adds a state, add it here.
 *
 *   import → sign (JSON, hosted page, no opt-in) → erase one → hard bounce one → unsubscribe one (one-click) →
 *   fewer emails (weekly) and a topic opt-out → blast 1 (topic) → unsubscribe from blast 1's own link →
 *   blast 2 → exports
 */
describe('A campaign from import to export (every module, in order)', () => {
  const dkim = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dkimPublicKey = dkim.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const DKIM_DOMAIN = 'mail.stopthestall.example';
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({
      env: {
        SMTP_URL: sink.url,
        BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        SEND_RATE_PER_SECOND: '200',
        BLAST_RECONCILE_INTERVAL_MS: '300',
        DKIM_DOMAIN,
        DKIM_SELECTOR: 'campaign',
        DKIM_PRIVATE_KEY: dkim.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const one = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await t.query<T>(sql, params))[0];
  const statusOf = async (email: string) => (await one<{ status: string }>(`SELECT status FROM subscribers WHERE lower(email) = lower($1)`, [email]))?.status;
  const idOf = async (email: string) => (await one<{ id: string }>(`SELECT id FROM subscribers WHERE lower(email) = lower($1)`, [email]))!.id;
  const recipients = (messages: CapturedMessage[]) => messages.map((m) => m.to[0].toLowerCase()).sort();
  const ledger = async (blastId: string) =>
    Object.fromEntries(
      (
        await t.query<{ email: string; status: string; skip_reason: string | null }>(
          `SELECT lower(s.email) AS email, d.status, d.skip_reason FROM blast_deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.blast_id = $1`,
          [blastId],
        )
      ).map((r) => [r.email, r.skip_reason ?? r.status]),
    );

  it('runs the whole campaign and every table and message agrees at each step', async () => {
    // ---- Set-up: the organization, a topic, a petition to the Majority Leader and the signer's own senators.
    await configureOrganization(t, { sendingDomain: DKIM_DOMAIN });
    const topic = (await t.request('POST', '/api/v1/topics', { body: { name: 'Election security' } })).body;
    const petition = await createPetition(t, {
      slug: 'hold-the-vote',
      targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
      thankYouSubject: 'Thank you for signing: {{petitionTitle}}',
      thankYouBody: '{{default firstName "Friend"}}, thank you for signing {{petitionTitle}}.',
    });

    // ---- 1. Import: ten people, one bad line.
    const imported = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon'].map((n) => `${n}@example.org`);
    const up = await uploadCsv(
      t,
      csv([
        ['email', 'first_name', 'zip', 'tags', 'employer'],
        ...imported.map((e, i) => [e, e.split('@')[0].toUpperCase(), i % 2 ? '80202' : '10001', i < 5 ? 'volunteer' : 'donor', 'ACME']),
        ['not-an-address', 'Bad', '80202', '', ''],
      ]),
      { mapping: JSON.stringify({ customFields: { employer: 'employer' } }) },
    );
    expect(up.status).toBe(202);
    const done = await waitForImport(t, up.body.id);
    expect(done).toMatchObject({ status: 'completed', created: 10, errorCount: 1 });
    expect(await one(`SELECT count(*)::int AS n FROM subscribers WHERE status = 'subscribed'`)).toEqual({ n: 10 });
    expect(sink.messages).toHaveLength(0);

    // ---- 2. Signatures: two new people opt in (JSON, and the hosted page's form), one imported person signs,
    // one signs without opting in (a signature, but no subscription).
    const sign = (body: Record<string, unknown>) => t.request('POST', `/api/v1/public/petitions/${petition.slug}/signatures`, { key: false, body });
    expect((await sign({ email: 'kim@example.org', firstName: 'Kim', lastName: 'K', zip: '80202', optIn: true })).status).toBe(201);
    const page = await t.request('POST', `/p/${petition.slug}`, {
      key: false,
      raw: new URLSearchParams({ email: 'lee@example.org', firstName: 'Lee', lastName: 'L', zip: '57104', optIn: 'on' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(page.status).toBe(200);
    expect((await sign({ email: 'ann@example.org', firstName: 'Ann', lastName: 'A', zip: '10001', optIn: true })).status).toBe(201);
    expect((await sign({ email: 'max@example.org', firstName: 'Max', lastName: 'M', zip: '80202' })).status).toBe(201);
    await sink.waitFor(4);
    expect(recipients(sink.messages)).toEqual(['ann@example.org', 'kim@example.org', 'lee@example.org', 'max@example.org']);
    expect(sink.messages.every((m) => m.parsed.subject === `Thank you for signing: ${petition.title}`)).toBe(true);
    expect(await one(`SELECT count(*)::int AS n FROM petition_signatures WHERE petition_id = $1`, [petition.id])).toEqual({ n: 4 });
    expect(await statusOf('max@example.org')).toBeUndefined();
    expect(await statusOf('kim@example.org')).toBe('subscribed');
    // Each signature is addressed to the leader and to the signer's own two senators.
    expect(await one(`SELECT count(DISTINCT t.bioguide_id)::int AS n FROM petition_signature_targets t JOIN petition_signatures s ON s.id = t.signature_id WHERE lower(s.email) = 'kim@example.org'`)).toEqual({ n: 3 });
    sink.clear();

    // ---- 3. Erase one imported person.
    const bob = await idOf('bob@example.org');
    expect((await t.request('POST', `/api/v1/subscribers/${bob}/erase`)).status).toBe(200);
    expect(await one(`SELECT count(*)::int AS n FROM suppressions`)).toEqual({ n: 1 });

    // ---- 4. A hard bounce reported for another.
    expect((await postBounceEvents(t, [{ type: 'hard', email: 'cat@example.org', detail: '550 5.1.1 user unknown', id: 'lifecycle-1' }])).status).toBe(200);
    expect(await statusOf('cat@example.org')).toBe('bounced');

    // ---- 5. One-click unsubscribe from a link of an earlier email.
    const tokens = t.get(UnsubscribeTokenService);
    const dan = await idOf('dan@example.org');
    const oneClick = await t.request('POST', `/unsubscribe/${tokens.sign({ subscriberId: dan, purpose: 'unsubscribe' })}`, {
      key: false,
      raw: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.status).toBe(200);
    expect(await statusOf('dan@example.org')).toBe('unsubscribed');

    // ---- 6. Fewer emails (weekly) for one, a topic opt-out for another, through the preference center.
    const prefs = (id: string, fields: [string, string][]) =>
      t.request('POST', `/preferences/${tokens.sign({ subscriberId: id, purpose: 'preferences' })}`, {
        key: false,
        raw: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await prefs(await idOf('eve@example.org'), [['action', 'save'], ['frequency', 'weekly'], ['shownTopics', topic.id], ['topics', topic.id]])).status).toBe(200);
    expect((await prefs(await idOf('fay@example.org'), [['action', 'save'], ['frequency', 'all'], ['shownTopics', topic.id]])).status).toBe(200);
    expect(await one(`SELECT frequency FROM subscribers WHERE email = 'eve@example.org'`)).toEqual({ frequency: 'weekly' });
    expect(await one(`SELECT count(*)::int AS n FROM subscriber_topic_opt_outs WHERE topic_id = $1`, [topic.id])).toEqual({ n: 1 });

    // ---- 7. Blast 1, on the topic.
    const first = await createBlast(t, { name: 'First blast', subject: '{{default firstName "Friend"}}, first: the Senate is stalling', topicId: topic.id });
    await sendBlast(t, first.id);
    await waitForStatus(t, first.id, 'sent');
    const mailable = ['ann', 'eve', 'gus', 'hal', 'ivy', 'jon', 'kim', 'lee'].map((n) => `${n}@example.org`);
    expect(recipients(sink.messages)).toEqual(mailable);
    expect(await ledger(first.id)).toEqual({
      ...Object.fromEntries(mailable.map((e) => [e, 'sent'])),
      [`erased+${bob}@erased.invalid`]: 'not_subscribed',
      'cat@example.org': 'not_subscribed',
      'dan@example.org': 'not_subscribed',
      'fay@example.org': 'topic_opt_out',
    });
    for (const m of sink.messages) {
      const to = m.to[0];
      expect(m.parsed.text).toContain(`This message was sent to: ${to}`);
      expect(m.header('list-unsubscribe')).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[A-Za-z0-9_-]+>/);
      expect(m.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      const auth = await authenticate(m.raw, {
        trustReceived: true,
        resolver: async (name: string, type: string) => {
          if (type === 'TXT' && name === `campaign._domainkey.${DKIM_DOMAIN}`) return [[`v=DKIM1; k=rsa; p=${dkimPublicKey}`]];
          throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        },
      });
      expect({ to, dkim: auth.dkim.results[0]?.status?.result }).toEqual({ to, dkim: 'pass' });
    }
    const firstStats = (await t.request('GET', `/api/v1/blasts/${first.id}/stats`)).body;
    expect(firstStats).toMatchObject({ audience: 8, sent: 8, failed: 0, skipped: 4, skippedByReason: { notSubscribed: 3, topicOptOut: 1 }, possibleDuplicates: 0 });

    // ---- 8. Someone unsubscribes with blast 1's own one-click link: attributed to blast 1.
    const toIvy = sink.to('ivy@example.org')[0];
    const link = toIvy.header('list-unsubscribe')!.match(/<(http[^>]+)>/)![1];
    const viaLink = await t.request('POST', new URL(link).pathname, { key: false, raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(viaLink.status).toBe(200);
    expect((await t.request('GET', `/api/v1/blasts/${first.id}/stats`)).body.unsubscribed).toBe(1);
    sink.clear();

    // ---- 9. Blast 2, no topic: the weekly person was mailed this week, the new unsubscriber is out.
    const second = await createBlast(t, { name: 'Second blast', subject: 'Second: call your senators' });
    await sendBlast(t, second.id);
    await waitForStatus(t, second.id, 'sent');
    const secondMailable = ['ann', 'fay', 'gus', 'hal', 'jon', 'kim', 'lee'].map((n) => `${n}@example.org`);
    expect(recipients(sink.messages)).toEqual(secondMailable);
    expect(await ledger(second.id)).toMatchObject({ 'eve@example.org': 'frequency_cap', 'ivy@example.org': 'not_subscribed', 'fay@example.org': 'sent' });
    // Exactly one message per person per blast over the whole campaign.
    const perBlast = await t.query(`SELECT blast_id, count(*)::int AS n FROM blast_deliveries WHERE status = 'sent' GROUP BY blast_id ORDER BY n`);
    expect(perBlast.map((r) => r.n)).toEqual([7, 8]);

    // ---- 10. Exports: the CSV of the list and the erased person's own export hold no trace of the erased address.
    const exported = await t.request('GET', '/api/v1/subscribers/export.csv?includeSuppressed=true');
    expect(exported.status).toBe(200);
    expect(exported.text).not.toContain('bob@example.org');
    expect(exported.text).toContain('ann@example.org');
    const lines = exported.text.trim().split('\n');
    expect(lines).toHaveLength(1 + 11); // header + 9 imported (the erased row is not exported) + kim + lee; max never subscribed
    const bobExport = await t.request('GET', `/api/v1/subscribers/${bob}/export`);
    expect(bobExport.status).toBe(200);
    expect(bobExport.text.toLowerCase()).not.toContain('bob@');
    const annExport = (await t.request('GET', `/api/v1/subscribers/${await idOf('ann@example.org')}/export`)).body;
    expect(Object.keys(annExport.related).sort()).toEqual(expect.arrayContaining(['blast_deliveries', 'petition_signatures']));
    expect(annExport.related.blast_deliveries).toHaveLength(2);

    // ---- Every table, at the end.
    const statuses = Object.fromEntries((await t.query(`SELECT status, count(*)::int AS n FROM subscribers GROUP BY status`)).map((r) => [r.status, r.n]));
    expect(statuses).toEqual({ subscribed: 8, unsubscribed: 3, bounced: 1 });
    expect(await one(`SELECT count(*)::int AS n FROM unsubscribe_events WHERE kind = 'unsubscribe'`)).toEqual({ n: 2 });
    expect(await one(`SELECT count(*)::int AS n FROM bounce_events`)).toEqual({ n: 1 });
    expect(await one(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'sent')::int AS sent FROM blasts`)).toEqual({ n: 2, sent: 2 });
    expect(await one(`SELECT count(*)::int AS n FROM blast_deliveries WHERE status IN ('pending', 'sending')`)).toEqual({ n: 0 });
    expect(await one(`SELECT count(*)::int AS n FROM imports WHERE status = 'completed'`)).toEqual({ n: 1 });
    expect(await one(`SELECT count(*)::int AS n FROM import_uploads`)).toEqual({ n: 0 });
    // The audit log (issue 14) names the erasure, both sends and the person's export, and nowhere the erased address.
    const audit = await t.request('GET', '/api/v1/audit?limit=200');
    expect(audit.status).toBe(200);
    const actions: string[] = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a) => a === 'blast.sent')).toHaveLength(2);
    expect(actions).toEqual(expect.arrayContaining(['subscriber.erased', 'subscriber.exported']));
    expect(JSON.stringify(audit.body).toLowerCase()).not.toContain('bob@');
    expect(JSON.stringify(await t.query(`SELECT * FROM audit_events`)).toLowerCase()).not.toContain('bob@');
    // No transactional mail is left waiting or failed in Redis.
    const mailQueue = t.get<Queue>(getQueueToken(QUEUES.mail) as never);
    await eventually(async () => {
      const c = await mailQueue.getJobCounts();
      return c.waiting + c.active + c.delayed === 0 && c.failed === 0;
    });
  });
});
