import { RECOVER_STALE_SQL } from '../src/blasts/blast-queries';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, insertManySubscribers, insertSubscribers, sendBlast, waitForStatus } from './support/blast-factories';
import { SmtpSink } from './support/smtp-sink';

/**
 * MSG-6, SUB-5: blasts after an erasure (the suppression check in the freeze and in every claim), and a freeze or
 * claim that PostgreSQL keeps refusing: the blast pauses with a reason the organizer can read, instead of
 * retrying unseen forever.
 */
describe('Blasts after an erasure, and blasts whose statements keep failing', () => {
  let sink: SmtpSink;
  let t: TestApp;

  let onRecipient: (address: string) => string | undefined = () => undefined;
  let suppressedLate: Promise<void> | undefined;

  beforeAll(async () => {
    sink = await new SmtpSink({ rejectRecipient: (a) => onRecipient(a) }).start();
    t = await bootApp({
      env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '200', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '3000', SEND_DEFER_BASE_MS: '500' },
    });
    await configureOrganization(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => sink.clear());

  it('sends every blast after an erasure, and skips an erased address that came back without consent', async () => {
    const [keep1, keep2, erased] = await insertSubscribers(t, [
      { email: 'keep.one@example.org', firstName: 'Keep' },
      { email: 'keep.two@example.org' },
      { email: 'Gone.Person@Example.org' },
    ]);
    expect((await t.request('POST', `/api/v1/subscribers/${erased}/erase`)).status).toBe(200);
    // The same address back in the list behind the API's back (an old backup restored, a bug elsewhere): the
    // send-time check must still refuse it — by its keyed hash, whatever its case.
    const [back] = await insertSubscribers(t, [{ email: 'gone.person@example.org' }]);

    for (const name of ['first blast after the erasure', 'second blast after the erasure']) {
      sink.clear();
      const blast = await createBlast(t, { name });
      await sendBlast(t, blast.id);
      await waitForStatus(t, blast.id, 'sent');
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['keep.one@example.org', 'keep.two@example.org']);
      const rows = await t.query(`SELECT subscriber_id, status, skip_reason FROM blast_deliveries WHERE blast_id = $1 ORDER BY subscriber_id`, [blast.id]);
      expect(rows).toEqual(
        expect.arrayContaining([
          { subscriber_id: keep1, status: 'sent', skip_reason: null },
          { subscriber_id: keep2, status: 'sent', skip_reason: null },
          { subscriber_id: back, status: 'skipped', skip_reason: 'suppressed' },
        ]),
      );
    }
    // The claim re-checks suppression too: the sink defers this address once (451), and while it waits for its retry
    // the address gets suppressed; the retry's claim must skip it.
    const [late] = await insertSubscribers(t, [{ email: 'late.eraser@example.org' }]);
    onRecipient = (address) => {
      if (address !== 'late.eraser@example.org' || suppressedLate) return undefined;
      suppressedLate = t.get(SubscribersService).suppress('Late.Eraser@example.org', 'erased');
      return '451 4.7.1 Try again later';
    };
    const blast = await createBlast(t, { name: 'suppressed between freeze and send' });
    await sendBlast(t, blast.id);
    await waitForStatus(t, blast.id, 'sent');
    const [row] = await t.query(`SELECT status, skip_reason, attempts FROM blast_deliveries WHERE blast_id = $1 AND subscriber_id = $2`, [blast.id, late]);
    expect(row).toEqual({ status: 'skipped', skip_reason: 'suppressed', attempts: 1 });
    expect(sink.to('late.eraser@example.org')).toHaveLength(0);
  });

  it('a freeze and a claim that keep failing pause their blasts with the reason; fixed and resumed, each person gets one message', async () => {
    await t.query(`UPDATE subscribers SET status = 'unsubscribed'`);
    const ids = await insertManySubscribers(t, 60, 'failing');
    // B is frozen and part-sent, then paused by hand; A is not started yet.
    const b = await createBlast(t, { name: 'claims will fail', subject: 'B: claims will fail' });
    const a = await createBlast(t, { name: 'freeze will fail', subject: 'A: freeze will fail' });
    await sendBlast(t, b.id);
    await waitForFrozen(t, b.id);
    expect((await t.request('POST', `/api/v1/blasts/${b.id}/pause`)).status).toBe(200);

    // A statement PostgreSQL will refuse every time: the suppressions table is gone.
    await t.query(`ALTER TABLE suppressions RENAME TO suppressions_away`);
    try {
      await sendBlast(t, a.id);
      expect((await t.request('POST', `/api/v1/blasts/${b.id}/resume`)).status).toBe(200);
      await waitForStatus(t, a.id, 'paused', 45_000);
      await waitForStatus(t, b.id, 'paused', 45_000);
    } finally {
      await t.query(`ALTER TABLE suppressions_away RENAME TO suppressions`);
    }
    const [va, vb] = [(await t.request('GET', `/api/v1/blasts/${a.id}`)).body, (await t.request('GET', `/api/v1/blasts/${b.id}`)).body];
    expect(va.pauseReason).toMatch(/^Paused after 5 failed attempts in a row: the audience could not be frozen \(database error 42P01: relation "…" does not exist\)/);
    expect(vb.pauseReason).toMatch(/^Paused after 5 failed attempts in a row: recipients could not be claimed for sending \(database error 42P01/);

    for (const id of [a.id, b.id]) expect((await t.request('POST', `/api/v1/blasts/${id}/resume`)).status).toBe(200);
    await waitForStatus(t, a.id, 'sent', 30_000);
    await waitForStatus(t, b.id, 'sent', 30_000);
    for (const id of [a.id, b.id]) {
      const [{ failure_count, pause_reason }] = await t.query(`SELECT failure_count, pause_reason FROM blasts WHERE id = $1`, [id]);
      expect({ failure_count, pause_reason }).toEqual({ failure_count: 0, pause_reason: null });
    }
    // Exactly one message per person per blast, whatever failed in between.
    const perBlast = new Map<string, number>();
    for (const m of sink.messages) {
      const key = `${m.to[0]}|${m.parsed.subject}`;
      perBlast.set(key, (perBlast.get(key) ?? 0) + 1);
    }
    expect(sink.messages).toHaveLength(ids.length * 2);
    expect([...perBlast.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('a row taken back from a dead worker twice counts once as a possible duplicate (MSG-7)', async () => {
    const blast = await createBlast(t, { name: 'recovered twice' });
    const [x, y] = await insertSubscribers(t, [{ email: 'twice.x@example.org' }, { email: 'twice.y@example.org' }]);
    await t.query(`UPDATE blasts SET status = 'paused', frozen_at = now() WHERE id = $1`, [blast.id]);
    // x was already taken back once (flagged), then claimed again by a worker that died too; y is new to this.
    await t.query(
      `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, seq, claimed_by, claimed_at, possible_duplicate)
       VALUES ($1, $2, 'sending', 0, 'ghost:1:dead', now() - interval '1 hour', true),
              ($1, $3, 'sending', 1, 'ghost:1:dead', now() - interval '1 hour', false)`,
      [blast.id, x, y],
    );
    // The worker's reconciler takes them back (or this call does, whichever comes first).
    await t.query(RECOVER_STALE_SQL, [1000, false, 1000]);
    const [b] = await t.query(`SELECT possible_duplicates FROM blasts WHERE id = $1`, [blast.id]);
    expect(b.possible_duplicates).toBe(1);
    const rows = await t.query(`SELECT status, possible_duplicate FROM blast_deliveries WHERE blast_id = $1 ORDER BY seq`, [blast.id]);
    expect(rows).toEqual([{ status: 'pending', possible_duplicate: true }, { status: 'pending', possible_duplicate: true }]);
  });
});

async function waitForFrozen(t: TestApp, id: string): Promise<void> {
  for (let i = 0; ; i++) {
    const [{ frozen }] = await t.query(`SELECT frozen_at IS NOT NULL AS frozen FROM blasts WHERE id = $1`, [id]);
    if (frozen) return;
    if (i > 400) throw new Error(`blast ${id} was never frozen`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
