import { parse } from 'csv-parse/sync';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { bootApp, TestApp } from './support/app';
import { insertSubscriber, uniqueEmail } from './support/subscriber-factories';

/** Organizer API of the list (SUB-1, SUB-2, SUB-3, SUB-5, SUB-6). */
describe('Subscribers API', () => {
  let t: TestApp;
  let organizer: string;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    organizer = await t.createKey('organizer');
  });
  afterAll(() => t?.close());

  const post = (body: unknown, key = organizer) => t.request('POST', '/api/v1/subscribers', { body, key });

  describe('create-or-update (SUB-1, SUB-3)', () => {
    it('creates (201), then updates the same person whatever the case of the address (200)', async () => {
      const local = `Grace.${Date.now()}`;
      const created = await post({ email: `${local}@EXAMPLE.org`, firstName: 'Grace', zip: '80202', tags: ['rally'], customFields: { employer: 'Navy' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ email: `${local}@example.org`, state: 'CO', status: 'subscribed', created: true, frequency: 'all' });
      const again = await post({ email: `${local.toLowerCase()}@example.ORG`, lastName: 'Hopper', tags: ['donor'], customFields: { rank: 'RADM' } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: created.body.id, firstName: 'Grace', lastName: 'Hopper', created: false });
      expect(again.body.tags).toEqual(['rally', 'donor']);
      expect(again.body.customFields).toEqual({ employer: 'Navy', rank: 'RADM' });
      const [{ n }] = await t.query(`SELECT count(*)::int AS n FROM subscribers WHERE lower(email) = lower($1)`, [`${local}@example.org`]);
      expect(n).toBe(1);
    });

    it('derives the state from the ZIP: 5-digit exception before prefix, unknown prefix → no state, given state wins', async () => {
      const exception = await post({ email: uniqueEmail(), zip: '06390' });
      expect(exception.body.state).toBe('NY');
      const prefix = await post({ email: uniqueEmail(), zip: '06330-1234' });
      expect(prefix.body.state).toBe('CT');
      const unknown = await post({ email: uniqueEmail(), zip: '00100' });
      expect(unknown.status).toBe(201);
      expect(unknown.body.state).toBeNull();
      const given = await post({ email: uniqueEmail(), zip: '80202', state: 'wy' });
      expect(given.body.state).toBe('WY');
    });

    it.each(['unsubscribed', 'bounced', 'complained'])('re-adding a %s person keeps the status', async (status) => {
      const s = await insertSubscriber(t, { status });
      const r = await post({ email: s.email.toUpperCase(), firstName: 'Back', consent: { text: 'said yes on the phone' } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: s.id, status, firstName: 'Back' });
    });

    it('rejects bad input with 400 naming each field, writing nothing', async () => {
      const email = uniqueEmail('bad');
      const r = await post({ email, zip: '1234', state: 'ZZ', firstName: 'x'.repeat(101), tags: 'not-an-array', customFields: [1], extra: 1 });
      expect(r.status).toBe(400);
      const paths = (r.body.details as { path: string }[]).map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['zip', 'state', 'firstName', 'tags', 'customFields', 'extra']));
      expect((await post({ email: 'not-an-email' })).body.details[0].path).toBe('email');
      expect((await post({ email: uniqueEmail(), customFields: 'x' })).status).toBe(400);
      expect((await post({})).status).toBe(400);
      expect(await t.query(`SELECT 1 FROM subscribers WHERE lower(email) = lower($1)`, [email])).toHaveLength(0);
    });

    it('viewers may read but not write', async () => {
      const viewer = await t.createKey('viewer');
      expect((await post({ email: uniqueEmail() }, viewer)).status).toBe(403);
      expect((await t.request('GET', '/api/v1/subscribers', { key: viewer })).status).toBe(200);
      expect((await t.request('GET', '/api/v1/subscribers', { key: false })).status).toBe(401);
    });
  });

  describe('get and patch', () => {
    it('patches profile, replaces tags, re-derives the state from a new ZIP, clears with null', async () => {
      const s = await insertSubscriber(t, { firstName: 'Old', zip: '80202', state: 'CO', tags: ['a', 'b'] });
      const r = await t.request('PATCH', `/api/v1/subscribers/${s.id}`, {
        key: organizer,
        body: { firstName: null, zip: '10001', tags: ['c'], frequency: 'weekly', customFields: { k: 1 } },
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ firstName: null, zip: '10001', state: 'NY', tags: ['c'], frequency: 'weekly', customFields: { k: 1 } });
      expect((await t.request('GET', `/api/v1/subscribers/${s.id}`)).body.zip).toBe('10001');
    });

    it('answers 404 for unknown ids, 400 for malformed ones and bad patches, 409 for a taken address', async () => {
      expect((await t.request('GET', '/api/v1/subscribers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await t.request('GET', '/api/v1/subscribers/nope')).status).toBe(400);
      const a = await insertSubscriber(t);
      const b = await insertSubscriber(t);
      const bad = await t.request('PATCH', `/api/v1/subscribers/${a.id}`, { body: { frequency: 'hourly', status: 'subscribed' } });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['frequency', 'status']));
      const taken = await t.request('PATCH', `/api/v1/subscribers/${a.id}`, { body: { email: b.email.toUpperCase() } });
      expect(taken.status).toBe(409);
    });
  });

  describe('list, search, pagination (SUB-6)', () => {
    it('filters by status, tag, state and text', async () => {
      const tag = `t${Date.now()}`;
      const a = await insertSubscriber(t, { tags: [tag], state: 'CO', firstName: 'Zelda', lastName: 'Quintessa' });
      await insertSubscriber(t, { tags: [tag], state: 'NY', status: 'unsubscribed' });
      await insertSubscriber(t, { tags: [tag], state: 'CO', status: 'bounced' });
      const list = async (qs: string) => (await t.request('GET', `/api/v1/subscribers?tag=${tag}&${qs}`)).body.items.map((s: { id: string }) => s.id);
      expect(await list('')).toHaveLength(3);
      expect(await list('status=subscribed')).toEqual([a.id]);
      expect(await list('state=co')).toHaveLength(2);
      expect(await list('q=quintes')).toEqual([a.id]);
      expect(await list('q=zelda%20quint')).toEqual([a.id]);
      const bad = await t.request('GET', '/api/v1/subscribers?colour=red&status=gone&limit=0');
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['colour', 'status', 'limit']));
      expect((await t.request('GET', '/api/v1/subscribers?cursor=garbage')).status).toBe(400);
      const forged = Buffer.from('2026-13-45T99:00:00.000000Z|00000000-0000-4000-8000-00000000000g').toString('base64url');
      expect((await t.request('GET', `/api/v1/subscribers?cursor=${forged}`)).status).toBe(400);
      const badDate = Buffer.from('2026-02-31T23:00:00.000000Z|00000000-0000-4000-8000-000000000000').toString('base64url');
      expect((await t.request('GET', `/api/v1/subscribers?cursor=${badDate}`)).status).toBe(400);
    });

    it('pages with a cursor and stays stable while rows are inserted', async () => {
      const tag = `page${Date.now()}`;
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await insertSubscriber(t, { tags: [tag] })).id);
      // Many rows with one creation time (as an import makes them): ties are broken by id.
      await t.query(`UPDATE subscribers SET created_at = '2026-01-01T00:00:00Z' WHERE id = ANY($1::uuid[])`, [ids.slice(5, 20)]);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.request(
          'GET', `/api/v1/subscribers?tag=${tag}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...r.body.items.map((s) => s.id));
        cursor = r.body.nextCursor;
        // Inserts between pages must neither duplicate nor hide the rows that were there.
        await insertSubscriber(t, { tags: [tag] });
        pages++;
      } while (cursor && pages < 20);
      const original = seen.filter((id) => ids.includes(id));
      expect(new Set(seen).size).toBe(seen.length);
      expect(original.sort()).toEqual([...ids].sort());
    });
  });

  describe('bulk tags', () => {
    it('adds and removes tags by ids and by filter', async () => {
      const tag = `bulk${Date.now()}`;
      const a = await insertSubscriber(t, { tags: ['keep'] });
      const b = await insertSubscriber(t, { tags: [] });
      const add = await t.request('POST', '/api/v1/subscribers/tags', { key: organizer, body: { action: 'add', tags: [tag, 'x'], ids: [a.id, b.id] } });
      expect(add.status).toBe(200);
      expect(add.body.affected).toBe(2);
      expect((await t.request('GET', `/api/v1/subscribers/${a.id}`)).body.tags).toEqual(['keep', tag, 'x']);
      const remove = await t.request('POST', '/api/v1/subscribers/tags', { key: organizer, body: { action: 'remove', tags: ['x'], filter: { tag } } });
      expect(remove.body.affected).toBe(2);
      expect((await t.request('GET', `/api/v1/subscribers/${a.id}`)).body.tags).toEqual(['keep', tag]);
      const both = await t.request('POST', '/api/v1/subscribers/tags', { body: { action: 'add', tags: ['y'], ids: [a.id], filter: {} } });
      expect(both.status).toBe(400);
      const badFilter = await t.request('POST', '/api/v1/subscribers/tags', { body: { action: 'add', tags: ['y'], filter: { colour: 'red' } } });
      expect(badFilter.status).toBe(400);
      expect(badFilter.body.details[0].path).toBe('filter.colour');
    });
  });

  describe('unsubscribe and resubscribe (SUB-2)', () => {
    it('unsubscribes; resubscribing needs a consent basis, which is recorded', async () => {
      const s = await insertSubscriber(t);
      const u = await t.request('POST', `/api/v1/subscribers/${s.id}/unsubscribe`, { key: organizer });
      expect(u.body).toMatchObject({ status: 'unsubscribed' });
      expect(u.body.unsubscribedAt).toBeTruthy();
      expect((await t.request('POST', `/api/v1/subscribers/${s.id}/resubscribe`, { key: organizer, body: {} })).status).toBe(400);
      const r = await t.request('POST', `/api/v1/subscribers/${s.id}/resubscribe`, {
        key: organizer,
        body: { consent: { text: 'Asked to rejoin by email on 2026-11-20', source: 'support-ticket' } },
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'subscribed', consentText: 'Asked to rejoin by email on 2026-11-20', consentSource: 'support-ticket', unsubscribedAt: null });
    });

    it('resubscribes a complained person only with consent and lifts their suppression', async () => {
      const s = await insertSubscriber(t, { status: 'complained' });
      const subs = t.get(SubscribersService);
      await subs.suppress(s.email, 'complained');
      expect(await subs.isSuppressed(s.email)).toBe(true);
      const noBasis = await t.request('POST', `/api/v1/subscribers/${s.id}/resubscribe`, { body: { consent: { text: '' } } });
      expect(noBasis.status).toBe(400);
      expect(noBasis.body.details[0].path).toBe('consent.text');
      const r = await t.request('POST', `/api/v1/subscribers/${s.id}/resubscribe`, { body: { consent: { text: 'Written request' } } });
      expect(r.body).toMatchObject({ status: 'subscribed', consentSource: 'organizer', consentText: 'Written request' });
      expect(await subs.isSuppressed(s.email)).toBe(false);
    });
  });

  describe('export and erase (SUB-5)', () => {
    it('streams a CSV of a filter without suppressed people unless an admin asks', async () => {
      const tag = `exp${Date.now()}`;
      const a = await insertSubscriber(t, { tags: [tag], firstName: '=HYPERLINK("x")', customFields: { team: 'north' } });
      const u = await insertSubscriber(t, { tags: [tag], status: 'unsubscribed' });
      const r = await t.request('GET', `/api/v1/subscribers/export.csv?tag=${tag}`, { key: organizer });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/csv');
      const rows = parse(r.text, { columns: true }) as Record<string, string>[];
      expect(rows.map((x) => x.id)).toEqual([a.id]);
      expect(rows[0]).toMatchObject({ email: a.email, tags: tag, status: 'subscribed', first_name: `'=HYPERLINK("x")` });
      expect(JSON.parse(rows[0].custom_fields)).toEqual({ team: 'north' });
      expect((await t.request('GET', `/api/v1/subscribers/export.csv?tag=${tag}&includeSuppressed=true`, { key: organizer })).status).toBe(403);
      const all = await t.request('GET', `/api/v1/subscribers/export.csv?tag=${tag}&includeSuppressed=true`);
      expect((parse(all.text, { columns: true }) as { id: string }[]).map((x) => x.id).sort()).toEqual([a.id, u.id].sort());
    });

    it('exports one person as JSON, erases them, and keeps the address suppressed until fresh consent', async () => {
      const topic = await t.request('POST', '/api/v1/topics', { body: { name: `Erasure ${Date.now()}` } });
      const created = await post({ email: uniqueEmail('erase'), firstName: 'Eve', zip: '80202', tags: ['x'] });
      const { id, email } = created.body;
      await t.request('PUT', `/api/v1/subscribers/${id}/topics`, { body: { optedOut: [topic.body.id] } });
      const personal = await t.request('GET', `/api/v1/subscribers/${id}/export`);
      expect(personal.status).toBe(200);
      expect(personal.body.subscriber).toMatchObject({ id, email, firstName: 'Eve' });
      expect(personal.body.topicOptOuts).toEqual([{ topicId: topic.body.id, name: topic.body.name }]);
      // Other modules' rows about the person are found through their subscriber_id column; token columns stay out.
      await t.query(`CREATE TABLE IF NOT EXISTS test_person_notes (id serial, subscriber_id uuid, note text, confirm_token text)`);
      await t.query(`INSERT INTO test_person_notes (subscriber_id, note, confirm_token) VALUES ($1, 'called the office', 'sekrit')`, [id]);
      const withRelated = await t.request('GET', `/api/v1/subscribers/${id}/export`);
      expect(withRelated.body.related.test_person_notes).toEqual([{ id: expect.any(Number), subscriber_id: id, note: 'called the office' }]);
      expect(withRelated.text).not.toContain('sekrit');

      const scrubbed: string[] = [];
      t.get(SubscribersService).registerErasureHook('test-notes', async (subscriberId, m) => {
        await m.query(`UPDATE test_person_notes SET note = NULL WHERE subscriber_id = $1`, [subscriberId]);
        scrubbed.push(subscriberId);
      });
      const erased = await t.request('POST', `/api/v1/subscribers/${id}/erase`, { key: organizer });
      expect(scrubbed).toEqual([id]);
      expect((await t.query(`SELECT note FROM test_person_notes WHERE subscriber_id = $1`, [id]))[0].note).toBeNull();
      expect(erased.status).toBe(200);
      expect(erased.body).toMatchObject({ firstName: null, zip: null, state: null, tags: [], status: 'unsubscribed' });
      expect(erased.body.email).not.toContain('erase.');
      expect(erased.body.erasedAt).toBeTruthy();
      const leftovers = await t.query(`SELECT count(*)::int AS n FROM subscribers WHERE lower(email) = lower($1)`, [email]);
      expect(leftovers[0].n).toBe(0);
      const supp = await t.query(`SELECT email_hash, reason FROM suppressions WHERE reason = 'erased'`);
      expect(supp.some((s) => s.email_hash.includes('@'))).toBe(false);
      expect((await t.request('POST', `/api/v1/subscribers/${id}/erase`)).status).toBe(200); // idempotent

      const readd = await post({ email });
      expect(readd.status).toBe(409);
      const fresh = await post({ email, consent: { text: 'Signed up again at the town hall' } });
      expect(fresh.status).toBe(201);
      expect(fresh.body).toMatchObject({ status: 'subscribed', consentText: 'Signed up again at the town hall' });
    });
  });

  it('documents the endpoints and DTOs in the OpenAPI document (API-2)', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    for (const path of ['/api/v1/subscribers', '/api/v1/subscribers/{id}', '/api/v1/subscribers/export.csv', '/api/v1/subscribers/tags',
      '/api/v1/subscribers/{id}/erase', '/api/v1/subscribers/{id}/topics', '/api/v1/topics', '/api/v1/imports', '/api/v1/imports/{id}']) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(Object.keys(doc.components.schemas.UpsertSubscriberDto.properties)).toEqual(
      expect.arrayContaining(['email', 'firstName', 'lastName', 'zip', 'state', 'tags', 'customFields', 'frequency', 'consent']),
    );
    expect(doc.components.schemas.ImportDto.properties).toHaveProperty('skipped');
  });
});
