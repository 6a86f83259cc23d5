import { PreferenceLinksService } from '../src/preferences/preference-links.service';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, sendBlast, waitForStatus } from './support/blast-factories';
import { form, insertPreferenceSubscriber, preferenceState } from './support/preference-factories';
import { SmtpSink } from './support/smtp-sink';

// jest.config.js sets testTimeout inside `projects`, where Jest ignores it: the default 5 s is too short on a busy machine.
jest.setTimeout(60_000);

/**
 * UNSUB-1/4/6 end to end: the links and headers a real blast carries work as a mailbox provider and a person use
 * them, the unsubscribe is counted for that blast, and the next blast does not reach the person.
 */
describe('Unsubscribe from a real blast (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '5', BLAST_RECONCILE_INTERVAL_MS: '300' } });
    await configureOrganization(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('List-Unsubscribe one-click and the "fewer emails" footer link work from the delivered message', async () => {
    const leaving = await insertPreferenceSubscriber(t, { email: 'leaving.soon@example.org' });
    const staying = await insertPreferenceSubscriber(t, { email: 'staying.put@example.org' });
    const first = await createBlast(t, { name: 'First' });
    await sendBlast(t, first.id);
    await waitForStatus(t, first.id, 'sent');
    await sink.waitFor(2);

    const [toLeaving] = sink.to(leaving.email);
    const [toStaying] = sink.to(staying.email);
    for (const m of [toLeaving, toStaying]) {
      expect(m.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(m.header('list-unsubscribe')).not.toMatch(/@|%40/);
    }

    // The mailbox provider's one-click POST, exactly as RFC 8058 describes it.
    const oneClickUrl = new URL(toLeaving.header('list-unsubscribe')!.slice(1, -1));
    expect(`${oneClickUrl.protocol}//${oneClickUrl.host}`).toBe(t.url);
    const res = await t.request('POST', oneClickUrl.pathname, { key: false, raw: form([['List-Unsubscribe', 'One-Click']]) });
    expect(res.status).toBe(200);
    expect(res.text).toContain('will get no more campaign emails from Stop the Stall.');
    expect(await preferenceState(t, leaving.id)).toMatchObject({ status: 'unsubscribed', unsubscribedBlastId: first.id });

    // The footer's "Receive fewer emails" link opens the preference center for the right person.
    const fewer = [...toStaying.parsed.html!.matchAll(/href="([^"]+)"/g)].map((m) => m[1]).find((h) => h.includes('/preferences/'));
    expect(fewer).toBeDefined();
    expect(fewer).not.toMatch(/@|%40/);
    const prefsPath = new URL(fewer!.replace(/&amp;/g, '&')).pathname;
    const page = await t.request('GET', prefsPath, { key: false });
    expect(page.status).toBe(200);
    expect(page.text).toContain('s***@example.org');
    expect(page.text).toContain('<p class="org">Stop the Stall</p>');
    expect((await t.request('POST', prefsPath, { key: false, raw: form([['frequency', 'important_only']]) })).status).toBe(200);
    expect(await preferenceState(t, staying.id)).toMatchObject({ status: 'subscribed', frequency: 'important_only' });

    // UNSUB-6: the blast's stats count the unsubscribe it caused.
    const stats = await t.request('GET', `/api/v1/blasts/${first.id}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.unsubscribed).toBe(1);

    // The next (important) blast reaches only the person who stayed.
    sink.clear();
    const second = await createBlast(t, { name: 'Second', priority: 'important' });
    await sendBlast(t, second.id);
    await waitForStatus(t, second.id, 'sent');
    await sink.waitFor(1);
    expect(sink.messages.map((m) => m.to).flat()).toEqual([staying.email]);
  }, 60_000);

  it('an unsubscribe during a blast in progress is obeyed: the rest of that blast skips the person (UNSUB-4)', async () => {
    const people = await Promise.all(Array.from({ length: 40 }, (_, i) => insertPreferenceSubscriber(t, { email: `midblast.${i}@example.org` })));
    const emails = new Set(people.map((p) => p.email));
    const received = () => sink.messages.filter((m) => m.to.some((to) => emails.has(to)));
    sink.clear();
    const blast = await createBlast(t, { name: 'Mid-blast' });
    await sendBlast(t, blast.id);
    await sink.waitFor(1);
    // Pause to make the moment deterministic: the in-flight chunk finishes, nothing new goes out.
    expect((await t.request('POST', `/api/v1/blasts/${blast.id}/pause`)).status).toBe(200);
    await until(async () => {
      const [r] = await t.query(`SELECT count(*)::int AS n FROM blast_deliveries WHERE blast_id = $1 AND status = 'sending'`, [blast.id]);
      return r.n === 0;
    });
    const reached = new Set(received().flatMap((m) => m.to));
    expect(reached.size).toBeLessThan(40);

    // Everyone not reached yet unsubscribes through this blast's one-click link.
    const links = t.get(PreferenceLinksService);
    const waiting = people.filter((p) => !reached.has(p.email));
    for (const p of waiting) {
      const res = await t.request('POST', new URL(links.forRecipient(p.id, blast.id).unsubscribeUrl).pathname, {
        key: false,
        raw: form([['List-Unsubscribe', 'One-Click']]),
      });
      expect(res.status).toBe(200);
    }

    expect((await t.request('POST', `/api/v1/blasts/${blast.id}/resume`)).status).toBe(200);
    await waitForStatus(t, blast.id, 'sent');
    expect(new Set(received().flatMap((m) => m.to))).toEqual(reached);
    const ledger = await t.query(
      `SELECT d.status, d.skip_reason FROM blast_deliveries d WHERE d.blast_id = $1 AND d.subscriber_id = ANY($2::uuid[])`,
      [blast.id, waiting.map((p) => p.id)],
    );
    expect(ledger).toHaveLength(waiting.length);
    for (const row of ledger) expect(row).toEqual({ status: 'skipped', skip_reason: 'not_subscribed' });
    const stats = await t.request('GET', `/api/v1/blasts/${blast.id}/stats`);
    expect(stats.body.unsubscribed).toBe(waiting.length);
  }, 120_000);
});

/** Polls a condition (waiting, not timing: the test asserts outcomes). */
async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 100));
  }
}
