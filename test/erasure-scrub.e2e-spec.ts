import Redis from 'ioredis';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, sendBlast, waitForStatus } from './support/blast-factories';
import { postBounceEvents, WEBHOOK_SECRET } from './support/bounce-factories';
import { createPetition, eventually, sign } from './support/petition-factories';
import { SmtpSink } from './support/smtp-sink';

/**
 * SUB-5: after an erasure no copy of the address is left — not in the SMTP replies of the ledger, not in bounce
 * reports (the free text remote servers write), not in mail waiting in Redis, not in the per-person export.
 */
describe('Erasure leaves the address nowhere (SUB-5)', () => {
  const victim = 'Erase.Me.Please@example.org';
  let mode: 'defer' | 'reject' | 'accept' = 'defer';
  let sink: SmtpSink;
  let t: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    sink = await new SmtpSink({
      rejectRecipient: (a) => {
        if (a.toLowerCase() !== victim.toLowerCase() || mode === 'accept') return undefined;
        return mode === 'defer' ? `451 4.2.1 <${a}>: mailbox for ${a} busy, try later` : `550 5.1.1 <${a}>: Recipient address rejected: user ${a.split('@')[0]} unknown`;
      },
    }).start();
    t = await bootApp({
      env: {
        SMTP_URL: sink.url,
        BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        // A deferred thank-you waits a minute in Redis, as a real one would during an outage.
        MAIL_RETRY_DELAY_MS: '60000',
        BLAST_RECONCILE_INTERVAL_MS: '300',
        SEND_RATE_PER_SECOND: '200',
      },
    });
    redis = new Redis(t.env.REDIS_URL);
    await configureOrganization(t);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
    await sink?.stop();
  });

  /** Every value stored under the app's Redis prefix that mentions the address (any case). */
  async function redisCopies(): Promise<string[]> {
    const found: string[] = [];
    for await (const keys of redis.scanStream({ match: `${t.env.REDIS_PREFIX}:*`, count: 500 })) {
      for (const key of keys as string[]) {
        const type = await redis.type(key);
        const text = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'string' ? ((await redis.get(key)) ?? '') : '';
        if (text.toLowerCase().includes('erase.me.please')) found.push(key);
      }
    }
    return found;
  }

  it('scrubs SMTP replies, bounce reports, queued mail and the export; the next blast and signature still work', async () => {
    const petition = await createPetition(t);
    // 1. Signs with opt-in: subscribed, and the thank-you is deferred by the server and waits in Redis.
    expect((await sign(t, petition.slug, { email: victim, optIn: true })).status).toBe(201);
    const [person] = await t.query(`SELECT id FROM subscribers WHERE lower(email) = lower($1)`, [victim]);
    await eventually(async () => (await redisCopies()).length > 0);

    // 2. A blast: the server rejects the address, naming it in its reply.
    mode = 'reject';
    const blast = await createBlast(t);
    await sendBlast(t, blast.id);
    await waitForStatus(t, blast.id, 'sent');
    const [delivery] = await t.query(`SELECT status, response FROM blast_deliveries WHERE blast_id = $1 AND subscriber_id = $2`, [blast.id, person.id]);
    expect(delivery.status).toBe('failed');
    expect(delivery.response.toLowerCase()).toContain('erase.me.please');

    // 3. A provider's bounce report naming the address in its free text, and one nobody could attribute.
    expect((await postBounceEvents(t, [{ type: 'soft', email: victim, detail: `452 4.2.2 ${victim} over quota`, id: 'evt-1' }])).status).toBe(200);
    expect((await postBounceEvents(t, [{ type: 'hard', messageId: '<unknown@nowhere>', detail: `550 no such user ${victim.toLowerCase()}`, id: 'evt-2' }])).status).toBe(200);
    const mentions = async () =>
      (await t.query(`SELECT count(*)::int AS n FROM bounce_events WHERE lower(detail) LIKE '%erase.me.please%'`))[0].n as number;
    expect(await mentions()).toBeGreaterThanOrEqual(3);

    // 4. Erase.
    expect((await t.request('POST', `/api/v1/subscribers/${person.id}/erase`)).status).toBe(200);

    expect(await mentions()).toBe(0);
    const details = (await t.query(`SELECT detail FROM bounce_events ORDER BY created_at`)).map((r) => r.detail);
    expect(details).toEqual(expect.arrayContaining([expect.stringContaining('[address removed]')]));
    const [scrubbed] = await t.query(`SELECT response FROM blast_deliveries WHERE blast_id = $1 AND subscriber_id = $2`, [blast.id, person.id]);
    expect(scrubbed.response).toMatch(/^550 5\.1\.1 <\[address removed\]>: Recipient address rejected: user \[address removed\] unknown$/);
    expect(await redisCopies()).toEqual([]);
    const exported = await t.request('GET', `/api/v1/subscribers/${person.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.text.toLowerCase()).not.toContain('erase.me.please');
    const ledger = await t.request('GET', `/api/v1/blasts/${blast.id}/deliveries`);
    expect(ledger.text.toLowerCase()).not.toContain('erase.me.please');
    const everywhere = await t.query(
      `SELECT (SELECT count(*) FROM petition_signatures WHERE lower(email) LIKE '%erase.me.please%')::int
            + (SELECT count(*) FROM subscribers WHERE lower(email) LIKE '%erase.me.please%')::int AS n`,
    );
    expect(everywhere[0].n).toBe(0);

    // 5. Life goes on: a blast after the erasure sends; the address signing again (no opt-in) stays suppressed.
    mode = 'accept';
    const next = await createBlast(t, { name: 'after the erasure' });
    await sendBlast(t, next.id);
    await waitForStatus(t, next.id, 'sent');
    expect((await sign(t, petition.slug, { email: victim })).status).toBe(201);
    expect((await t.query(`SELECT count(*)::int AS n FROM subscribers WHERE lower(email) = lower($1)`, [victim]))[0].n).toBe(0);
  });
});
