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
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '500', BLAST_RECONCILE_INTERVAL_MS: '300' } });
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
});
