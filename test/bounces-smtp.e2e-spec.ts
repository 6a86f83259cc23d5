import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, deliveries, insertSubscribers, sendBlast, waitForStatus } from './support/blast-factories';
import { statusOf } from './support/bounce-factories';
import { SmtpSink } from './support/smtp-sink';

/** COMP-3 at send time, through the real blast send loop and a real SMTP server that rejects some recipients. */
describe('Bounces at SMTP time (e2e, COMP-3)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink({
      rejectRecipient: (a) =>
        a.startsWith('no-such-user') ? '550 5.1.1 <no-such-user>: Recipient address rejected: User unknown'
          : a.startsWith('dmarc') ? '550 5.7.26 This mail has been blocked because the sender is unauthenticated.'
            : a.startsWith('full') ? '452 4.2.2 Mailbox full, try again later'
              : undefined,
    }).start();
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '500', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '2000', SEND_DEFER_BASE_MS: '100' } });
    await configureOrganization(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('550 5.1.1 suppresses the recipient at once and the next blast skips it; 550 5.7.26 suppresses nobody', async () => {
    const [ok, gone, dmarc] = await insertSubscribers(t, [
      { email: 'reader@example.org', firstName: 'Rae' },
      { email: 'no-such-user@example.org' },
      { email: 'dmarc-strict@example.net' },
    ]);
    const first = await createBlast(t, { name: 'First' });
    await sendBlast(t, first.id);
    await waitForStatus(t, first.id, 'sent');

    expect(sink.to('reader@example.org')).toHaveLength(1);
    expect(sink.rejected.map((r) => r.to).sort()).toEqual(['dmarc-strict@example.net', 'no-such-user@example.org']);
    expect(await statusOf(t, gone)).toBe('bounced');
    expect(await statusOf(t, dmarc)).toBe('subscribed');
    expect(await statusOf(t, ok)).toBe('subscribed');
    const events = await t.query(
      `SELECT subscriber_id, blast_id, type, provider FROM bounce_events WHERE blast_id = $1 ORDER BY type`,
      [first.id],
    );
    expect(events).toEqual([
      { subscriber_id: gone, blast_id: first.id, type: 'hard', provider: 'smtp' },
      { subscriber_id: dmarc, blast_id: first.id, type: 'policy', provider: 'smtp' },
    ]);
    const stats = await t.request('GET', `/api/v1/blasts/${first.id}/stats`);
    expect(stats.body).toMatchObject({ bounced: 1 });
    // The organizer sees the policy rejection as an alert, with the server's reason.
    const viewer = await t.createKey('viewer');
    const alerts = await t.request('GET', `/api/v1/bounces?type=policy&blastId=${first.id}`, { key: viewer });
    expect(alerts.status).toBe(200);
    expect(alerts.body.items).toEqual([expect.objectContaining({ type: 'policy', subscriberId: dmarc, code: expect.stringContaining('5.7.26') })]);
    const health = await t.request('GET', `/api/v1/bounces/blasts/${first.id}`, { key: viewer });
    expect(health.body).toMatchObject({ hardBounces: 1, policyRejections: 1, complaints: 0, pauseReason: null });

    sink.clear();
    const second = await createBlast(t, { name: 'Second' });
    await sendBlast(t, second.id);
    await waitForStatus(t, second.id, 'sent');
    const rows = await deliveries(t, second.id);
    expect(rows.find((r) => r.subscriber_id === gone)).toMatchObject({ status: 'skipped', skip_reason: 'not_subscribed' });
    expect(rows.find((r) => r.subscriber_id === ok)).toMatchObject({ status: 'sent' });
    // The bounced address is never tried again; the policy-rejected one still is (the fault was ours).
    expect(sink.rejected.map((r) => r.to)).toEqual(['dmarc-strict@example.net']);
    expect(sink.to('reader@example.org')).toHaveLength(1);
  });

  it('a recipient still deferred (4xx) after the retry budget is a soft bounce; three blasts in a row → bounced', async () => {
    const [full, fine] = await insertSubscribers(t, [{ email: 'full-mailbox@example.org' }, { email: 'fine@example.org' }]);
    for (let i = 1; i <= 3; i++) {
      expect(await statusOf(t, full)).toBe('subscribed');
      const blast = await createBlast(t, { name: `Deferred ${i}` });
      await sendBlast(t, blast.id);
      await waitForStatus(t, blast.id, 'sent', 60_000);
      const [event] = await t.query(`SELECT type, code FROM bounce_events WHERE blast_id = $1 AND subscriber_id = $2`, [blast.id, full]);
      expect(event).toEqual({ type: 'soft', code: expect.stringContaining('452') });
    }
    expect(await statusOf(t, full)).toBe('bounced');
    expect(await statusOf(t, fine)).toBe('subscribed');
  });
});
