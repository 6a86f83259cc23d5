import { TopicsService } from '../src/topics/topics.service';
import { bootApp, TestApp } from './support/app';
import { insertSubscriber } from './support/subscriber-factories';

/** PREF-1: topics CRUD and per-subscriber opt-outs. */
describe('Topics API', () => {
  let t: TestApp;
  let organizer: string;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    organizer = await t.createKey('organizer');
  });
  afterAll(() => t?.close());

  it('creates, lists, renames and deletes topics; names are unique case-insensitively', async () => {
    const created = await t.request('POST', '/api/v1/topics', { key: organizer, body: { name: ' Election security ', description: 'Ballots' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Election security', description: 'Ballots' });
    const dup = await t.request('POST', '/api/v1/topics', { key: organizer, body: { name: 'ELECTION SECURITY' } });
    expect(dup.status).toBe(409);
    const other = await t.request('POST', '/api/v1/topics', { key: organizer, body: { name: 'Judges' } });
    const renameClash = await t.request('PATCH', `/api/v1/topics/${other.body.id}`, { key: organizer, body: { name: 'election Security' } });
    expect(renameClash.status).toBe(409);
    const renamed = await t.request('PATCH', `/api/v1/topics/${other.body.id}`, { key: organizer, body: { name: 'Judicial nominations', description: null } });
    expect(renamed.body).toMatchObject({ name: 'Judicial nominations', description: null });
    const list = await t.request('GET', '/api/v1/topics');
    expect(list.body.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['Election security', 'Judicial nominations']));
    expect((await t.request('GET', `/api/v1/topics/${created.body.id}`)).body.name).toBe('Election security');
    expect((await t.request('DELETE', `/api/v1/topics/${other.body.id}`, { key: organizer })).status).toBe(204);
    expect((await t.request('GET', `/api/v1/topics/${other.body.id}`)).status).toBe(404);
  });

  it('rejects bad topics with 400 naming the field', async () => {
    const r = await t.request('POST', '/api/v1/topics', { body: { name: '', colour: 'red' } });
    expect(r.status).toBe(400);
    expect(r.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['name', 'colour']));
    expect((await t.request('POST', '/api/v1/topics', { body: { name: 'x'.repeat(101) } })).status).toBe(400);
    expect((await t.request('PATCH', '/api/v1/topics/not-a-uuid', { body: {} })).status).toBe(400);
  });

  it('reads and sets a subscriber\'s opt-outs; deleting a topic removes its opt-outs', async () => {
    const a = (await t.request('POST', '/api/v1/topics', { body: { name: `Filibuster ${Date.now()}` } })).body;
    const b = (await t.request('POST', '/api/v1/topics', { body: { name: `Courts ${Date.now()}` } })).body;
    const s = await insertSubscriber(t);
    const before = await t.request('GET', `/api/v1/subscribers/${s.id}/topics`);
    expect(before.body.filter((x: { optedOut: boolean }) => x.optedOut)).toEqual([]);
    const set = await t.request('PUT', `/api/v1/subscribers/${s.id}/topics`, { key: organizer, body: { optedOut: [a.id, b.id] } });
    expect(set.status).toBe(200);
    expect(set.body.filter((x: { optedOut: boolean }) => x.optedOut).map((x: { topicId: string }) => x.topicId).sort()).toEqual([a.id, b.id].sort());
    await t.request('PUT', `/api/v1/subscribers/${s.id}/topics`, { body: { optedOut: [b.id] } });
    expect(await t.get(TopicsService).optedOutTopicIds(s.id)).toEqual([b.id]);

    const unknown = await t.request('PUT', `/api/v1/subscribers/${s.id}/topics`, { body: { optedOut: [b.id, '00000000-0000-4000-8000-000000000000'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0].path).toBe('optedOut[1]');
    expect(await t.get(TopicsService).optedOutTopicIds(s.id)).toEqual([b.id]); // nothing half-written
    expect((await t.request('PUT', `/api/v1/subscribers/${s.id}/topics`, { body: { optedOut: ['nope'] } })).status).toBe(400);
    expect((await t.request('GET', '/api/v1/subscribers/00000000-0000-4000-8000-000000000000/topics')).status).toBe(404);

    await t.request('DELETE', `/api/v1/topics/${b.id}`);
    expect(await t.get(TopicsService).optedOutTopicIds(s.id)).toEqual([]);
  });
});
