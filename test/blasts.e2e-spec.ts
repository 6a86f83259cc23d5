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

  beforeAll(async () => {
    sink = await new SmtpSink({ rejectRecipient: (a) => (a.startsWith('nobody') ? '550 5.1.1 No such user here' : undefined) }).start();
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '500', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '3000' } });
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
});
