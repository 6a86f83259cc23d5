import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, insertSubscribers, waitForStatus } from './support/blast-factories';
import { SmtpSink } from './support/smtp-sink';
import { asUser, signedInUser, TestSession } from './support/users';

describe('Audit log (issue 14)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let ada: { id: string; email: string; session: TestSession };

  const audit = (query = '') => t.request('GET', `/api/v1/audit${query}`);

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '500', BLAST_RECONCILE_INTERVAL_MS: '300' } });
    ada = await signedInUser(t, { email: 'ada.admin@example.org', role: 'admin' });
    await configureOrganization(t);
    await insertSubscribers(t, [{ email: 'reader.one@example.org' }, { email: 'reader.two@example.org' }]);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('lists a blast sent from the console with the person who pressed Send, newest first', async () => {
    const blast = await createBlast(t);
    const sent = await asUser(t, ada.session, 'POST', `/api/v1/blasts/${blast.id}/send`);
    expect(sent.status).toBe(202);
    await waitForStatus(t, blast.id, 'sent');
    const res = await asUser(t, ada.session, 'GET', `/api/v1/audit?subjectType=blast&subjectId=${blast.id}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['blast.sent', 'blast.created']);
    expect(res.body.items[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      createdAt: expect.any(String),
      actorType: 'user',
      actorId: ada.id,
      actorLabel: 'ada.admin@example.org',
      action: 'blast.sent',
      subjectType: 'blast',
      subjectId: blast.id,
      details: { status: expect.any(String) },
    });
    // createBlast used the API key.
    expect(res.body.items[1]).toMatchObject({ actorType: 'api_key', actorLabel: 'API key "admin (test)"', actorId: expect.any(String) });
  });

  it('lists a blast sent and cancelled with an API key, by the key\'s id and name', async () => {
    const { key, apiKey } = await t.get(ApiKeysService).create('Field laptop', 'organizer');
    const blast = await createBlast(t);
    expect((await t.request('POST', `/api/v1/blasts/${blast.id}/send`, { key })).status).toBe(202);
    await t.request('POST', `/api/v1/blasts/${blast.id}/pause`, { key });
    await t.request('POST', `/api/v1/blasts/${blast.id}/cancel`, { key });
    const res = await audit(`?actor=${apiKey.id}`);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    expect(actions[actions.length - 1]).toBe('blast.sent');
    expect(actions).toContain('blast.cancelled');
    for (const e of res.body.items) expect(e).toMatchObject({ actorType: 'api_key', actorId: apiKey.id, actorLabel: 'API key "Field laptop"', subjectId: blast.id });
    // By label, case-insensitive, too.
    expect((await audit(`?actor=${encodeURIComponent('api key "field laptop"')}`)).body.items).toHaveLength(res.body.items.length);
  });

  it('records settings, API keys and accounts; filters by action', async () => {
    const settings = await asUser(t, ada.session, 'PATCH', '/api/v1/settings', { body: { defaultFromName: 'Stop the Stall' } });
    expect(settings.status).toBe(200);
    const created = await asUser(t, ada.session, 'POST', '/api/v1/api-keys', { body: { name: 'CI', role: 'viewer' } });
    await asUser(t, ada.session, 'DELETE', `/api/v1/api-keys/${created.body.id}`);
    const invited = await asUser(t, ada.session, 'POST', '/api/v1/users', { body: { email: 'new.person@example.org', role: 'viewer' } });
    await asUser(t, ada.session, 'PATCH', `/api/v1/users/${invited.body.id}`, { body: { role: 'organizer' } });
    const byAction = async (action: string) => (await audit(`?action=${action}`)).body.items;
    expect((await byAction('settings.updated'))[0]).toMatchObject({ actorLabel: ada.email, subjectType: 'settings', details: { fields: ['defaultFromName'] } });
    expect((await byAction('api_key.created'))[0]).toMatchObject({ actorId: ada.id, subjectId: created.body.id, details: { name: 'CI', role: 'viewer' } });
    expect((await byAction('api_key.revoked'))[0]).toMatchObject({ actorId: ada.id, subjectId: created.body.id });
    expect((await byAction('user.invited'))[0]).toMatchObject({ actorId: ada.id, subjectId: invited.body.id, details: { role: 'viewer' } });
    expect((await byAction('user.updated'))[0]).toMatchObject({ subjectId: invited.body.id, details: { role: 'organizer' } });
    expect((await byAction('user.signed_in')).some((e: { actorId: string }) => e.actorId === ada.id)).toBe(true);
  });

  it('records exports and erasures without keeping the person\'s address anywhere in the log', async () => {
    const [id] = await insertSubscribers(t, [{ email: 'erase.me@example.org' }]);
    expect((await asUser(t, ada.session, 'GET', '/api/v1/subscribers/export.csv?q=erase.me%40example.org')).status).toBe(200);
    expect((await asUser(t, ada.session, 'GET', `/api/v1/subscribers/${id}/export`)).status).toBe(200);
    expect((await asUser(t, ada.session, 'POST', `/api/v1/subscribers/${id}/erase`)).status).toBe(200);
    const exported = (await audit('?action=subscriber.exported')).body.items;
    expect(exported.map((e: { subjectType: string }) => e.subjectType)).toEqual(['subscriber', 'subscribers']);
    expect((await audit(`?subjectType=subscriber&subjectId=${id}`)).body.items.map((e: { action: string }) => e.action)).toEqual(['subscriber.erased', 'subscriber.exported']);
    const rows = await t.query(`SELECT count(*)::int AS n FROM audit_events WHERE audit_events::text ILIKE '%erase.me%'`);
    expect(rows[0].n).toBe(0);
  });

  it('pages newest first with a cursor; refuses bad queries with 400 and non-admins with 403', async () => {
    const all = (await audit('?limit=200')).body.items;
    expect(all.length).toBeGreaterThan(6);
    const ids = all.map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e: { id: string }) => e.id));
    for (const q of ['?cursor=abc', '?limit=0', '?action=blast.exploded', '?__proto__[x]=1', '?constructor[prototype][x]=1']) {
      const res = await audit(q);
      expect(res.status).toBe(400);
      expect(res.body.statusCode).toBe(400);
    }
    const organizer = await signedInUser(t, { email: 'org.person@example.org', role: 'organizer' });
    expect((await asUser(t, organizer.session, 'GET', '/api/v1/audit')).status).toBe(403);
  });
});
