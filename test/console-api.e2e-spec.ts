import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_DIR } from '../src/core/http/console-app';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, insertSubscribers, sendBlast, waitForStatus } from './support/blast-factories';
import { insertBlastWithDeliveries, insertTopic, optOutOfTopic } from './support/segment-factories';
import { SmtpSink } from './support/smtp-sink';

/** What the console needs from the API beyond the blast basics, and the console's own serving (issue 14). */
describe('Console API: audience estimate, timeline, ledger search and CSV; the console served at /console', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '500', BLAST_RECONCILE_INTERVAL_MS: '300' } });
    await configureOrganization(t);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('estimates exactly what the freeze then does: caps, topic opt-outs, not subscribed, the random limit — writing nothing', async () => {
    const ok = await insertSubscribers(t, Array.from({ length: 8 }, (_, i) => ({ email: `est-ok-${i}@example.org`, tags: ['est'] })));
    await insertSubscribers(t, [{ email: 'est-gone@example.org', status: 'unsubscribed', tags: ['est'] }]);
    const [weekly] = await insertSubscribers(t, [{ email: 'est-weekly@example.org', frequency: 'weekly', tags: ['est'] }]);
    await insertSubscribers(t, [{ email: 'est-important@example.org', frequency: 'important_only', tags: ['est'] }]);
    await insertBlastWithDeliveries(t, { [weekly]: 'sent' });
    const topic = await insertTopic(t);
    await optOutOfTopic(t, ok[0], topic);
    await optOutOfTopic(t, ok[1], topic);
    const seg = await t.request('POST', '/api/v1/segments', { body: { name: 'Estimate crowd', rules: { tag: 'est' } } });
    const blast = await t.request('POST', '/api/v1/blasts', {
      body: { name: 'Estimate', subject: 'Hi', htmlBody: '<p>Hi {{default firstName "Friend"}}</p>', segmentId: seg.body.id, topicId: topic },
    });
    const estimate = await t.request('GET', `/api/v1/blasts/${blast.body.id}/estimate`);
    expect(estimate.status).toBe(200);
    expect(estimate.body).toEqual({
      blastId: blast.body.id,
      total: 11,
      send: 6,
      beyondLimit: 0,
      skippedByReason: { notSubscribed: 1, suppressed: 0, topicOptOut: 2, frequencyCap: 2, orgCap: 0 },
      fromName: 'Stop the Stall',
      fromEmail: 'action@mail.stopthestall.example',
    });
    expect(await t.query(`SELECT 1 FROM blast_deliveries WHERE blast_id = $1`, [blast.body.id])).toEqual([]);

    // A random limit: 4 of the 6, the other 2 left out.
    await t.request('PATCH', `/api/v1/blasts/${blast.body.id}`, { body: { randomLimit: 4 } });
    const limited = await t.request('GET', `/api/v1/blasts/${blast.body.id}/estimate`);
    expect(limited.body).toMatchObject({ send: 4, beyondLimit: 2 });

    await sendBlast(t, blast.body.id);
    await waitForStatus(t, blast.body.id, 'sent');
    const stats = await t.request('GET', `/api/v1/blasts/${blast.body.id}/stats`);
    expect(stats.body).toMatchObject({ audience: 4, sent: 4, skippedByReason: estimate.body.skippedByReason });

    // Sent over time: the buckets add up to what was sent.
    const timeline = await t.request('GET', `/api/v1/blasts/${blast.body.id}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.bucketSeconds).toBeGreaterThanOrEqual(1);
    expect(timeline.body.points.reduce((n: number, p: { sent: number }) => n + p.sent, 0)).toBe(4);
  });

  it('searches the ledger by the start of an address (case-insensitive, wildcards literal) and exports it as CSV', async () => {
    await insertSubscribers(t, [
      { email: 'ledger.rosa@example.org', tags: ['ledger'] },
      { email: 'ledger.ruth@example.org', tags: ['ledger'] },
      { email: 'ledger_x@example.org', tags: ['ledger'] },
      { email: '=cmd@example.org', tags: ['ledger'] },
    ]);
    const seg = await t.request('POST', '/api/v1/segments', { body: { name: 'Ledger crowd', rules: { tag: 'ledger' } } });
    const blast = await t.request('POST', '/api/v1/blasts', { body: { name: 'Ledger', subject: 'Hi', htmlBody: '<p>Hi</p>', segmentId: seg.body.id } });
    await sendBlast(t, blast.body.id);
    await waitForStatus(t, blast.body.id, 'sent');
    const find = async (q: string) =>
      (await t.request('GET', `/api/v1/blasts/${blast.body.id}/deliveries?q=${encodeURIComponent(q)}`)).body.items.map((d: { email: string }) => d.email).sort();
    expect(await find('LEDGER.R')).toEqual(['ledger.rosa@example.org', 'ledger.ruth@example.org']);
    expect(await find('ledger.rosa@example.org')).toEqual(['ledger.rosa@example.org']);
    expect(await find('ledger_')).toEqual(['ledger_x@example.org']);
    expect(await find('ledger%')).toEqual([]);

    const csv = await t.request('GET', `/api/v1/blasts/${blast.body.id}/deliveries.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="blast-${blast.body.id}-recipients.csv"`);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('subscriberId,email,status,skipReason,attempts,responseCode,response,messageId,possibleDuplicate,sentAt');
    expect(lines).toHaveLength(5);
    expect(lines.some((l) => l.includes(",'=cmd@example.org,sent,"))).toBe(true);
    const filtered = await t.request('GET', `/api/v1/blasts/${blast.body.id}/deliveries.csv?q=ledger.ro&status=sent`);
    expect(filtered.text.trim().split('\n')).toHaveLength(2);
    expect((await t.request('GET', `/api/v1/blasts/${blast.body.id}/deliveries.csv?status=nope`)).status).toBe(400);
    expect((await t.request('GET', `/api/v1/blasts/${blast.body.id}/deliveries.csv`, { key: false })).status).toBe(401);
  });

  it('serves the console: the page uncached for every /console path, hashed assets immutable, a CSP without inline scripts needed', async () => {
    for (const path of ['/console', '/console/', '/console/blasts/3f1c2a4e-1111-4222-8333-444455556666']) {
      const res = await t.request('GET', path, { key: false });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.text).toContain('<div id="root"></div>');
      expect(res.text).not.toMatch(/<script>(?!<\/script>)/); // no inline script
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    }
    const assets = readdirSync(join(CONSOLE_DIR, 'assets'));
    const js = assets.find((f) => f.endsWith('.js'))!;
    const asset = await t.request('GET', `/console/assets/${js}`, { key: false });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await t.request('GET', '/console/assets/missing-0000.js', { key: false })).status).toBe(404);
  });
});
