import { SubscribersService } from '../src/subscribers/subscribers.service';
import { hasSenators, stateForZip } from '../src/subscribers/zip-states';
import { bootApp, TestApp } from './support/app';
import { uniqueEmail } from './support/subscriber-factories';

/** SUB-3 upsert rules of SubscribersService (used by the API, imports and petition signatures). */
describe('SubscribersService.upsertByEmail (SUB-1, SUB-3)', () => {
  let t: TestApp;
  let subs: SubscribersService;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    subs = t.get(SubscribersService);
  });
  afterAll(() => t?.close());

  it('maps ZIPs to states: 5-digit exceptions first, then the prefix; unknown prefixes give null', () => {
    expect(stateForZip('80202')).toBe('CO');
    expect(stateForZip('80202-1234')).toBe('CO');
    expect(stateForZip('06390')).toBe('NY'); // prefix 063 is CT
    expect(stateForZip('06330')).toBe('CT');
    expect(stateForZip('00100')).toBeNull();
    expect(stateForZip('abc')).toBeNull();
    expect(stateForZip('20001')).toBe('DC');
    expect(hasSenators('CO')).toBe(true);
    expect(hasSenators('DC')).toBe(false);
    expect(hasSenators('PR')).toBe(false);
    expect(hasSenators('AE')).toBe(false);
  });

  it('creates a subscribed row with normalized email and derived state; case-insensitive on the second call', async () => {
    const local = `Ada.${Date.now()}`;
    const r1 = await subs.upsertByEmail({ email: `  ${local}@Example.ORG `, firstName: 'Ada', zip: '06390', source: 'api', subscribe: true });
    expect(r1.created).toBe(true);
    expect(r1.subscriber!.email).toBe(`${local}@example.org`);
    expect(r1.subscriber!.state).toBe('NY');
    expect(r1.subscriber!.status).toBe('subscribed');
    const r2 = await subs.upsertByEmail({ email: `${local.toUpperCase()}@EXAMPLE.org`, lastName: 'Lovelace', tags: ['x'], source: 'api', subscribe: true });
    expect(r2.created).toBe(false);
    expect(r2.subscriber!.id).toBe(r1.subscriber!.id);
    expect(r2.subscriber!.firstName).toBe('Ada');
    expect(r2.subscriber!.lastName).toBe('Lovelace');
    expect(r2.subscriber!.tags).toEqual(['x']);
  });

  it('is safe under 20 concurrent identical calls: one row, one creation', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => subs.upsertByEmail({ email, source: 'api', subscribe: true, tags: ['race'] })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await t.query(`SELECT id FROM subscribers WHERE lower(email) = lower($1)`, [email]);
    expect(rows).toHaveLength(1);
  });

  it('never changes bounced/complained; resubscribes unsubscribed only on explicit opt-in', async () => {
    for (const status of ['bounced', 'complained', 'unconfirmed']) {
      const email = uniqueEmail(status);
      await subs.upsertByEmail({ email, source: 'api', subscribe: true });
      await t.query(`UPDATE subscribers SET status = $2 WHERE lower(email) = lower($1)`, [email, status]);
      const r = await subs.upsertByEmail({ email, firstName: 'New', source: 'api', subscribe: true, consent: { source: 'x', text: 'y' } });
      expect(r.subscriber!.status).toBe(status);
      expect(r.subscriber!.firstName).toBe('New');
    }
    const email = uniqueEmail('unsub');
    await subs.upsertByEmail({ email, source: 'api', subscribe: true });
    await t.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE lower(email) = lower($1)`, [email]);
    const profileOnly = await subs.upsertByEmail({ email, firstName: 'Still', source: 'petition:x', subscribe: false });
    expect(profileOnly.subscriber!.status).toBe('unsubscribed');
    const again = await subs.upsertByEmail({ email, source: 'petition:x', subscribe: true, consent: { source: 'petition:x', text: 'Yes, email me' } });
    expect(again.subscriber!.status).toBe('subscribed');
    expect(again.previousStatus).toBe('unsubscribed');
    expect(again.subscriber!.consentText).toBe('Yes, email me');
    expect(again.subscriber!.unsubscribedAt).toBeNull();
  });

  it('subscribe: false on an unknown address creates nothing', async () => {
    const email = uniqueEmail('nosub');
    const r = await subs.upsertByEmail({ email, firstName: 'No', source: 'petition:x', subscribe: false });
    expect(r).toMatchObject({ subscriber: null, created: false, skipped: 'not_subscribed' });
    expect(await subs.findByEmail(email)).toBeNull();
  });

  it('a suppressed address is not subscribed without fresh consent, and is with it', async () => {
    const email = uniqueEmail('supp');
    await subs.suppress(email, 'erased');
    expect(await subs.isSuppressed(email.toUpperCase())).toBe(true);
    const r = await subs.upsertByEmail({ email, source: 'import:1', subscribe: true });
    expect(r).toMatchObject({ subscriber: null, skipped: 'suppressed' });
    const fresh = await subs.upsertByEmail({ email, source: 'petition:x', subscribe: true, consent: { source: 'petition:x', text: 'opt in' } });
    expect(fresh.created).toBe(true);
    expect(fresh.subscriber!.status).toBe('subscribed');
    expect(await subs.isSuppressed(email)).toBe(false);
  });

  it('rejects bad input naming the field', async () => {
    await expect(subs.upsertByEmail({ email: 'nope', source: 'api', subscribe: true })).rejects.toThrow(/email/);
    await expect(subs.upsertByEmail({ email: uniqueEmail(), zip: '123', source: 'api', subscribe: true })).rejects.toThrow(/zip/);
    await expect(subs.upsertByEmail({ email: uniqueEmail(), state: 'XX', source: 'api', subscribe: true })).rejects.toThrow(/state/);
  });
});
