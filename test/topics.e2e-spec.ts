import { ClotureClient, createClotureClient } from '../client';
import { TopicsService } from '../src/topics/topics.service';
import { bootApp, TestApp } from './support/app';
import { insertSubscriber } from './support/subscriber-factories';

/**
 * PREF-1: topics CRUD and per-subscriber opt-outs — called only through the generated client (client/), so a
 * change to the contract that breaks a caller fails to compile here before it fails anywhere else.
 */
describe('Topics API', () => {
  let t: TestApp;
  let admin: ClotureClient;
  let organizer: ClotureClient;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    admin = createClotureClient({ baseUrl: t.url, apiKey: t.adminKey });
    organizer = createClotureClient({ baseUrl: t.url, apiKey: await t.createKey('organizer') });
  });
  afterAll(() => t?.close());

  it('creates, lists, renames and deletes topics; names are unique case-insensitively', async () => {
    const created = await organizer.POST('/api/v1/topics', { body: { name: ' Election security ', description: 'Ballots' } });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ name: 'Election security', description: 'Ballots' });
    const dup = await organizer.POST('/api/v1/topics', { body: { name: 'ELECTION SECURITY' } });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ statusCode: 409 });
    const other = (await organizer.POST('/api/v1/topics', { body: { name: 'Judges' } })).data!;
    const byId = { params: { path: { id: other.id } } };
    const renameClash = await organizer.PATCH('/api/v1/topics/{id}', { ...byId, body: { name: 'election Security' } });
    expect(renameClash.response.status).toBe(409);
    const renamed = await organizer.PATCH('/api/v1/topics/{id}', { ...byId, body: { name: 'Judicial nominations', description: null } });
    expect(renamed.data).toMatchObject({ name: 'Judicial nominations', description: null });
    const list = await admin.GET('/api/v1/topics');
    expect(list.data!.map((x) => x.name)).toEqual(expect.arrayContaining(['Election security', 'Judicial nominations']));
    expect((await admin.GET('/api/v1/topics/{id}', { params: { path: { id: created.data!.id } } })).data!.name).toBe('Election security');
    expect((await organizer.DELETE('/api/v1/topics/{id}', byId)).response.status).toBe(204);
    const gone = await admin.GET('/api/v1/topics/{id}', byId);
    expect(gone.response.status).toBe(404);
    expect(gone.error?.message).toBeTruthy();
  });

  it('rejects bad topics with 400 naming the field', async () => {
    // An unknown field is what a hand-written or stale caller would send: the client's types refuse it, so it is cast.
    const r = await admin.POST('/api/v1/topics', { body: { name: '', colour: 'red' } as never });
    expect(r.response.status).toBe(400);
    expect(r.error!.details!.map((d) => d.path)).toEqual(expect.arrayContaining(['name', 'colour']));
    expect((await admin.POST('/api/v1/topics', { body: { name: 'x'.repeat(101) } })).response.status).toBe(400);
    expect((await admin.PATCH('/api/v1/topics/{id}', { params: { path: { id: 'not-a-uuid' } }, body: {} })).response.status).toBe(400);
  });

  it('reads and sets a subscriber\'s opt-outs; deleting a topic removes its opt-outs', async () => {
    const a = (await admin.POST('/api/v1/topics', { body: { name: `Filibuster ${Date.now()}` } })).data!;
    const b = (await admin.POST('/api/v1/topics', { body: { name: `Courts ${Date.now()}` } })).data!;
    const s = await insertSubscriber(t);
    const ofSubscriber = { params: { path: { id: s.id } } };
    const before = await admin.GET('/api/v1/subscribers/{id}/topics', ofSubscriber);
    expect(before.data!.filter((x) => x.optedOut)).toEqual([]);
    const set = await organizer.PUT('/api/v1/subscribers/{id}/topics', { ...ofSubscriber, body: { optedOut: [a.id, b.id] } });
    expect(set.response.status).toBe(200);
    expect(set.data!.filter((x) => x.optedOut).map((x) => x.topicId).sort()).toEqual([a.id, b.id].sort());
    await admin.PUT('/api/v1/subscribers/{id}/topics', { ...ofSubscriber, body: { optedOut: [b.id] } });
    expect(await t.get(TopicsService).optedOutTopicIds(s.id)).toEqual([b.id]);

    const unknown = await admin.PUT('/api/v1/subscribers/{id}/topics', {
      ...ofSubscriber,
      body: { optedOut: [b.id, '00000000-0000-4000-8000-000000000000'] },
    });
    expect(unknown.response.status).toBe(400);
    expect(unknown.error!.details![0].path).toBe('optedOut[1]');
    expect(await t.get(TopicsService).optedOutTopicIds(s.id)).toEqual([b.id]); // nothing half-written
    expect((await admin.PUT('/api/v1/subscribers/{id}/topics', { ...ofSubscriber, body: { optedOut: ['nope'] } })).response.status).toBe(400);
    const nobody = { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } };
    expect((await admin.GET('/api/v1/subscribers/{id}/topics', nobody)).response.status).toBe(404);

    await admin.DELETE('/api/v1/topics/{id}', { params: { path: { id: b.id } } });
    expect(await t.get(TopicsService).optedOutTopicIds(s.id)).toEqual([]);
  });
});
