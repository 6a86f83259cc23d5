import { randomUUID } from 'node:crypto';
import { randomLimitOrder } from '../src/segments/segment-query';
import { SegmentsService } from '../src/segments/segments.service';
import { bootApp, TestApp } from './support/app';
import { insertBlastWithDeliveries, insertPetitionWithSignatures, insertSegmentPerson, insertTopic, optOutOfTopic } from './support/segment-factories';

/**
 * SEG-1..4 against real PostgreSQL: every rule kind selects exactly the expected people (only `subscribed` ones are
 * counted), nesting, saved segments referencing each other, cycles rejected, bad input answered 400 by path.
 */
describe('Segments (e2e)', () => {
  let t: TestApp;
  let segments: SegmentsService;
  const people: Record<string, string> = {};
  const nameOf = (id: string) => Object.entries(people).find(([, v]) => v === id)?.[0] ?? id;
  let topicId: string;
  let blastId: string;
  let petitionId: string;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    segments = t.get(SegmentsService);
    people.ann = await insertSegmentPerson(t, {
      email: 'Ann.Lee@example.org', firstName: 'Ann', lastName: 'Lee', tags: ['volunteer'], state: 'CO', zip: '80202',
      customFields: { donor: 'yes', age: 34, team: 'red' }, source: 'api', createdAt: '2026-01-10T10:00:00Z',
    });
    people.bob = await insertSegmentPerson(t, {
      firstName: 'Bob', tags: ['volunteer', 'donor'], state: 'AL', zip: '35203-1234', customFields: { age: '61', team: 'blue' },
      source: 'import:42', frequency: 'weekly', createdAt: '2026-03-05T00:00:00Z',
    });
    people.cat = await insertSegmentPerson(t, { frequency: 'monthly', createdAt: '2026-06-01T00:00:00Z' });
    people.dan = await insertSegmentPerson(t, {
      firstName: 'Dan', lastName: 'Park', tags: ['donor'], state: 'NY', zip: '10001', customFields: { donor: true, team: null },
      source: 'petition:save-the-senate', createdAt: '2025-12-31T23:59:59Z',
    });
    people.fay = await insertSegmentPerson(t, {
      firstName: 'Fay', lastName: "O'Brien", tags: ['Volunteer'], state: 'CO', zip: '80911',
      customFields: { donor: 'no', note: "x'; DROP TABLE subscribers; --" }, source: 'api', createdAt: '2026-02-01T00:00:00Z',
    });
    // Never counted: not subscribed.
    people.eve = await insertSegmentPerson(t, {
      firstName: 'Ann', tags: ['volunteer', 'donor'], state: 'CO', zip: '80301', status: 'unsubscribed', customFields: { donor: 'yes' },
      createdAt: '2026-01-15T00:00:00Z',
    });
    people.gus = await insertSegmentPerson(t, { tags: ['donor'], state: 'NY', status: 'bounced', createdAt: '2026-01-15T00:00:00Z' });

    topicId = await insertTopic(t);
    await optOutOfTopic(t, people.bob, topicId);
    await optOutOfTopic(t, people.eve, topicId);
    blastId = await insertBlastWithDeliveries(t, { [people.ann]: 'sent', [people.bob]: 'failed', [people.dan]: 'skipped', [people.eve]: 'sent' });
    petitionId = await insertPetitionWithSignatures(
      t,
      'save-the-senate',
      { [people.ann]: '2026-10-01T00:00:00Z', [people.dan]: '2026-11-10T00:00:00Z', [people.eve]: '2026-11-12T00:00:00Z' },
      2,
    );
    await insertPetitionWithSignatures(t, 'fund-elections', { [people.bob]: '2026-11-15T00:00:00Z' });
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * The subscribed people a tree selects: every member through the compiled condition (as a blast reads it),
   * checked against the preview endpoint's count and sample.
   */
  async function members(rules: unknown): Promise<string[]> {
    const filter = await segments.compile(rules, 2);
    const rows = await t.query<{ id: string }>(
      `SELECT s.id FROM subscribers s WHERE s.id <> $1 AND s.status = 'subscribed' AND ${filter.sql}`,
      [randomUUID(), ...filter.params],
    );
    const names = rows.map((r) => nameOf(r.id)).sort();
    const res = await t.request('POST', '/api/v1/segments/preview', { body: { rules } });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(names.length);
    expect(res.body.sample.map((p: { id: string }) => nameOf(p.id)).sort()).toEqual(names);
    return names;
  }

  /** The members a saved segment's rules select when evaluated later (references not re-judged). */
  async function compiledMembers(rules: unknown): Promise<string[]> {
    const filter = await segments.compile(rules, 1);
    const rows = await t.query<{ id: string }>(`SELECT s.id FROM subscribers s WHERE s.status = 'subscribed' AND ${filter.sql}`, filter.params);
    return rows.map((r) => nameOf(r.id)).sort();
  }

  /** Rules an organizer writes that name something that cannot match: 400 naming the rule, on preview and on save. */
  async function expectRefused(rules: unknown, path: string): Promise<void> {
    for (const [url, body] of [['/api/v1/segments/preview', { rules }], ['/api/v1/segments', { name: `refused ${randomUUID()}`, rules }]] as const) {
      const res = await t.request('POST', url, { body });
      expect({ url, status: res.status, paths: (res.body.details ?? []).map((d: { path: string }) => d.path) }).toEqual({ url, status: 400, paths: [path] });
    }
  }

  describe('each rule kind selects exactly the expected subscribed people (SEG-1)', () => {
    it.each<[string, unknown, string[]]>([
      ['tag', { tag: 'volunteer' }, ['ann', 'bob']],
      ['tag is case-sensitive; a list means any of', { tag: ['volunteer', 'Volunteer'] }, ['ann', 'bob', 'fay']],
      ['tag OR tag', { or: [{ tag: 'volunteer' }, { tag: 'donor' }] }, ['ann', 'bob', 'dan']],
      ['tag AND tag', { and: [{ tag: 'volunteer' }, { tag: 'donor' }] }, ['bob']],
      ['states', { state: ['CO', 'AL'] }, ['ann', 'bob', 'fay']],
      ['state (lower-case accepted)', { state: 'ny' }, ['dan']],
      ['not state includes people with no state', { not: { state: 'CO' } }, ['bob', 'cat', 'dan']],
      ['zipPrefix', { zipPrefix: '802' }, ['ann']],
      ['zipPrefix shorter', { zipPrefix: '80' }, ['ann', 'fay']],
      ['zipPrefix on ZIP+4', { zipPrefix: '35203' }, ['bob']],
      ['not zipPrefix includes people with no ZIP', { not: { zipPrefix: '8' } }, ['bob', 'cat', 'dan']],
      ['field eq', { field: 'firstName', op: 'eq', value: 'Ann' }, ['ann']],
      ['field neq includes people with no value', { field: 'firstName', op: 'neq', value: 'Ann' }, ['bob', 'cat', 'dan', 'fay']],
      ['field in', { field: 'firstName', op: 'in', value: ['Ann', 'Bob', 'Zed'] }, ['ann', 'bob']],
      ['field exists', { field: 'lastName', op: 'exists' }, ['ann', 'dan', 'fay']],
      ['field exists false', { field: 'firstName', op: 'exists', value: false }, ['cat']],
      ['field prefix with a quote', { field: 'lastName', op: 'prefix', value: "O'B" }, ['fay']],
      ['field prefix: % is literal, not a wildcard', { field: 'source', op: 'prefix', value: '%' }, []],
      ['field prefix: _ is literal, not a wildcard', { field: 'source', op: 'prefix', value: '_pi' }, []],
      ['source prefix', { field: 'source', op: 'prefix', value: 'petition:' }, ['dan']],
      ['email eq is case-insensitive', { field: 'email', op: 'eq', value: 'ANN.LEE@EXAMPLE.ORG' }, ['ann']],
      ['email prefix', { field: 'email', op: 'prefix', value: 'Ann.' }, ['ann']],
      ['frequency', { field: 'frequency', op: 'in', value: ['weekly', 'monthly'] }, ['bob', 'cat']],
      ['state field neq', { field: 'state', op: 'neq', value: 'co' }, ['bob', 'cat', 'dan']],
      ['createdAt lt', { field: 'createdAt', op: 'lt', value: '2026-01-01' }, ['dan']],
      ['custom eq string', { custom: 'donor', op: 'eq', value: 'yes' }, ['ann']],
      ['custom eq boolean', { custom: 'donor', op: 'eq', value: true }, ['dan']],
      ['custom eq number matches a numeric string', { custom: 'age', op: 'eq', value: 61 }, ['bob']],
      ['custom gt (number or numeric string)', { custom: 'age', op: 'gt', value: 40 }, ['bob']],
      ['custom lte', { custom: 'age', op: 'lte', value: 34 }, ['ann']],
      ['custom in', { custom: 'team', op: 'in', value: ['red', 'blue'] }, ['ann', 'bob']],
      ['custom exists (JSON null counts as absent)', { custom: 'team', op: 'exists' }, ['ann', 'bob']],
      ['custom exists false', { custom: 'team', op: 'exists', value: false }, ['cat', 'dan', 'fay']],
      ['custom neq includes people without the field', { custom: 'donor', op: 'neq', value: 'yes' }, ['bob', 'cat', 'dan', 'fay']],
      ['custom prefix', { custom: 'team', op: 'prefix', value: 'r' }, ['ann']],
      ['custom value that looks like SQL is just a value', { custom: 'note', op: 'eq', value: "x'; DROP TABLE subscribers; --" }, ['fay']],
      ['joined between (after inclusive, before exclusive)', { joined: { after: '2026-01-10T10:00:00Z', before: '2026-03-05' } }, ['ann', 'fay']],
      ['joined before', { joined: { before: '2026-01-01' } }, ['dan']],
      ['joined after', { joined: { after: '2026-03-05' } }, ['bob', 'cat']],
      [
        'nested and / or / not',
        { and: [{ or: [{ tag: 'volunteer' }, { state: 'NY' }] }, { not: { custom: 'donor', op: 'eq', value: 'yes' } }] },
        ['bob', 'dan'],
      ],
      ['not of an or', { not: { or: [{ tag: 'volunteer' }, { tag: 'donor' }] } }, ['cat', 'fay']],
      ['double negation', { not: { not: { tag: 'donor' } } }, ['bob', 'dan']],
    ])('%s', async (_name, rules, expected) => {
      expect(await members(rules)).toEqual(expected);
    });

    it('topicOptedOut', async () => {
      expect(await members({ topicOptedOut: topicId })).toEqual(['bob']);
      expect(await members({ not: { topicOptedOut: topicId } })).toEqual(['ann', 'cat', 'dan', 'fay']);
    });

    it('received: only deliveries with status sent count', async () => {
      expect(await members({ received: blastId })).toEqual(['ann']);
      expect(await members({ and: [{ tag: 'volunteer' }, { not: { received: blastId } }] })).toEqual(['bob']);
      // A blast that does not exist: refused where an organizer writes rules; a saved segment naming one that later
      // disappeared matches nobody.
      await expectRefused({ received: randomUUID() }, 'rules.received');
      expect(await compiledMembers({ received: randomUUID() })).toEqual([]);
    });

    it('signed: by slug or by id; unknown petitions are refused in new rules and match nobody in saved ones', async () => {
      expect(await members({ signed: 'save-the-senate' })).toEqual(['ann', 'dan']);
      expect(await members({ signed: petitionId.toUpperCase() })).toEqual(['ann', 'dan']);
      await expectRefused({ signed: 'no-such-petition' }, 'rules.signed');
      await expectRefused({ signed: randomUUID() }, 'rules.signed');
      expect(await compiledMembers({ signed: 'no-such-petition' })).toEqual([]);
      expect(await compiledMembers({ signed: randomUUID() })).toEqual([]);
      expect(await members({ not: { signed: 'save-the-senate' } })).toEqual(['bob', 'cat', 'fay']);
      expect(await members({ or: [{ signed: 'save-the-senate' }, { signed: 'fund-elections' }] })).toEqual(['ann', 'bob', 'dan']);
    });

    it('signedAnySince: any petition signed on or after the date', async () => {
      expect(await members({ signedAnySince: '2026-11-01' })).toEqual(['bob', 'dan']);
      expect(await members({ signedAnySince: '2026-10-01T00:00:00Z' })).toEqual(['ann', 'bob', 'dan']);
      expect(await members({ signedAnySince: '2026-11-16' })).toEqual([]);
      expect(await members({ and: [{ tag: 'donor' }, { not: { signedAnySince: '2026-11-01' } }] })).toEqual([]);
    });

    it('a segment larger than the sample: exact count, sample of 10 members', async () => {
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push(await insertSegmentPerson(t, { tags: ['crowd'], createdAt: '2024-01-01T00:00:00Z' }));
      await insertSegmentPerson(t, { tags: ['crowd'], status: 'unconfirmed', createdAt: '2024-01-01T00:00:00Z' });
      try {
        const res = await t.request('POST', '/api/v1/segments/preview', { body: { rules: { tag: 'crowd' } } });
        expect(res.status).toBe(200);
        expect(res.body.count).toBe(12);
        expect(res.body.sample).toHaveLength(10);
        for (const p of res.body.sample) expect(ids).toContain(p.id);
      } finally {
        await t.query(`DELETE FROM subscribers WHERE 'crowd' = ANY (tags)`);
      }
    });

    it('a value crafted as SQL matches nobody and harms nothing', async () => {
      for (const evil of ["x'; DROP TABLE subscribers; --", "' OR '1'='1", '%', "\\'); DELETE FROM segments; --"]) {
        expect(
          await members({
            or: [
              { tag: [evil, 'nobody-has-this'] },
              { field: 'firstName', op: 'in', value: [evil, '{"a":1}', 'x,y'] },
              { custom: 'remark', op: 'in', value: [evil, '"quoted"', '{x}', 1.5e300] },
              { custom: 'remark', op: 'prefix', value: evil },
            ],
          }),
        ).toEqual([]);
        // As a field name or a petition reference it is not a value at all: refused, naming the rule.
        await expectRefused({ custom: evil, op: 'exists' }, 'rules.custom');
        await expectRefused({ signed: evil }, 'rules.signed');
        expect(await compiledMembers({ signed: evil })).toEqual([]);
      }
      const [{ n }] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscribers`);
      expect(n).toBe(7);
    });
  });

  describe('saved segments (CRUD, count, nesting, cycles)', () => {
    let volunteers: { id: string };
    let outsideCo: { id: string };
    let outsideCoOrNy: { id: string };

    it('creates, reads, lists and counts a saved segment', async () => {
      const created = await t.request('POST', '/api/v1/segments', { body: { name: 'Volunteers', description: 'Everyone tagged volunteer', rules: { tag: 'volunteer' } } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.any(String), name: 'Volunteers', rules: { tag: 'volunteer' }, referencedSegmentIds: [] });
      volunteers = created.body;

      expect((await t.request('GET', `/api/v1/segments/${volunteers.id}`)).body).toMatchObject({ name: 'Volunteers' });
      const list = await t.request('GET', '/api/v1/segments');
      expect(list.body.map((s: { id: string }) => s.id)).toContain(volunteers.id);

      const count = await t.request('GET', `/api/v1/segments/${volunteers.id}/count`);
      expect(count.status).toBe(200);
      expect(count.body.count).toBe(2);
      expect(count.body.sample.map((p: { id: string }) => nameOf(p.id)).sort()).toEqual(['ann', 'bob']);
      expect(count.body.sample[0]).toEqual(
        expect.objectContaining({ id: expect.any(String), email: expect.any(String), firstName: expect.any(String), state: expect.any(String) }),
      );
    });

    it('nested segments are resolved live', async () => {
      const a = await t.request('POST', '/api/v1/segments', {
        body: { name: 'Volunteers outside Colorado', rules: { and: [{ segment: volunteers.id }, { not: { state: 'CO' } }] } },
      });
      expect(a.status).toBe(201);
      expect(a.body.referencedSegmentIds).toEqual([volunteers.id]);
      outsideCo = a.body;
      const b = await t.request('POST', '/api/v1/segments', { body: { name: 'Outside CO or NY', rules: { or: [{ segment: outsideCo.id }, { state: 'NY' }] } } });
      expect(b.status).toBe(201);
      outsideCoOrNy = b.body;
      expect((await t.request('GET', `/api/v1/segments/${outsideCo.id}/count`)).body.count).toBe(1);
      const count = await t.request('GET', `/api/v1/segments/${outsideCoOrNy.id}/count`);
      expect(count.body.sample.map((p: { id: string }) => nameOf(p.id)).sort()).toEqual(['bob', 'dan']);
      expect(await members({ not: { segment: outsideCoOrNy.id } })).toEqual(['ann', 'cat', 'fay']);
    });

    it('rejects a cycle (self-reference and through other segments) and keeps the old rules', async () => {
      const self = await t.request('PATCH', `/api/v1/segments/${volunteers.id}`, { body: { rules: { or: [{ tag: 'volunteer' }, { segment: volunteers.id }] } } });
      expect(self.status).toBe(400);
      expect(self.body.details).toEqual([{ path: 'rules.or[1].segment', message: expect.stringContaining('cycle') }]);

      const loop = await t.request('PATCH', `/api/v1/segments/${volunteers.id}`, { body: { rules: { or: [{ tag: 'volunteer' }, { segment: outsideCoOrNy.id }] } } });
      expect(loop.status).toBe(400);
      expect(loop.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(loop.body.details).toEqual([
        { path: 'rules.or[1].segment', message: expect.stringContaining(`${volunteers.id} → ${outsideCoOrNy.id} → ${outsideCo.id} → ${volunteers.id}`) },
      ]);
      expect((await t.request('GET', `/api/v1/segments/${volunteers.id}`)).body.rules).toEqual({ tag: 'volunteer' });
    });

    it('two concurrent edits cannot close a cycle between them (segment writes are serialised)', async () => {
      const a = (await t.request('POST', '/api/v1/segments', { body: { name: 'Race A', rules: { tag: 'x' } } })).body;
      const b = (await t.request('POST', '/api/v1/segments', { body: { name: 'Race B', rules: { tag: 'y' } } })).body;
      const results = await Promise.all([
        t.request('PATCH', `/api/v1/segments/${a.id}`, { body: { rules: { segment: b.id } } }),
        t.request('PATCH', `/api/v1/segments/${b.id}`, { body: { rules: { segment: a.id } } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)!.body.details[0]).toEqual({ path: 'rules.segment', message: expect.stringContaining('cycle') });
      // Both still count (no cycle was stored).
      expect((await t.request('GET', `/api/v1/segments/${a.id}/count`)).status).toBe(200);
      expect((await t.request('GET', `/api/v1/segments/${b.id}/count`)).status).toBe(200);
    });

    it('an edit that would break a segment using this one (chain too long) is refused with 409, nothing changed', async () => {
      const make = async (name: string, rules: unknown) => (await t.request('POST', '/api/v1/segments', { body: { name, rules } })).body.id as string;
      const a = await make('Chain A', { tag: 'volunteer' });
      const b = await make('Chain B', { segment: a });
      const c = await make('Chain C', { segment: b });
      const d = await make('Chain D', { segment: c });
      const e = await make('Chain E', { segment: d });
      const f = await make('Chain F', { state: 'CO' });
      expect((await t.request('GET', `/api/v1/segments/${e}/count`)).body.count).toBe(2);
      const res = await t.request('PATCH', `/api/v1/segments/${a}`, { body: { rules: { and: [{ tag: 'volunteer' }, { segment: f }] } } });
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('Chain E');
      expect(res.body.details).toEqual([{ path: 'rules', message: expect.stringMatching(/Chain E.*nest too deeply/) }]);
      expect((await t.request('GET', `/api/v1/segments/${a}`)).body.rules).toEqual({ tag: 'volunteer' });
      // Without E in the way the same edit is fine.
      expect((await t.request('DELETE', `/api/v1/segments/${e}`)).status).toBe(204);
      expect((await t.request('PATCH', `/api/v1/segments/${a}`, { body: { rules: { and: [{ tag: 'volunteer' }, { segment: f }] } } })).status).toBe(200);
      expect((await t.request('GET', `/api/v1/segments/${d}/count`)).body.count).toBe(1);
    });

    it('renames and changes rules; counts follow at once (evaluated live, never copied)', async () => {
      const res = await t.request('PATCH', `/api/v1/segments/${volunteers.id}`, { body: { name: 'Volunteers (any case)', rules: { tag: ['volunteer', 'Volunteer'] } } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Volunteers (any case)', rules: { tag: ['volunteer', 'Volunteer'] } });
      expect((await t.request('GET', `/api/v1/segments/${volunteers.id}/count`)).body.count).toBe(3);

      await t.query(`UPDATE subscribers SET tags = tags || '{volunteer}' WHERE id = $1`, [people.cat]);
      try {
        expect((await t.request('GET', `/api/v1/segments/${volunteers.id}/count`)).body.count).toBe(4);
      } finally {
        await t.query(`UPDATE subscribers SET tags = '{}' WHERE id = $1`, [people.cat]);
      }
      await t.request('PATCH', `/api/v1/segments/${volunteers.id}`, { body: { rules: { tag: 'volunteer' } } });
    });

    it('audienceFilter gives blasts the condition with placeholders from the offset; null means everyone', async () => {
      const filter = await segments.audienceFilter(outsideCoOrNy.id, 3);
      expect(filter.sql).toMatch(/\$3::/);
      expect(filter.sql).not.toMatch(/\$[12]::/);
      const rows = await t.query<{ id: string }>(
        `SELECT s.id FROM subscribers s WHERE s.status = $1 AND s.id <> $2 AND ${filter.sql}`,
        ['subscribed', randomUUID(), ...filter.params],
      );
      expect(rows.map((r) => nameOf(r.id)).sort()).toEqual(['bob', 'dan']);
      // Not-subscribed people are the caller's business: the condition alone also matches gus (bounced, NY).
      const all = await t.query<{ id: string }>(`SELECT s.id FROM subscribers s WHERE ${(await segments.audienceFilter(outsideCoOrNy.id, 1)).sql}`, filter.params);
      expect(all.map((r) => nameOf(r.id)).sort()).toEqual(['bob', 'dan', 'gus']);
      expect(await segments.audienceFilter(null, 5)).toEqual({ sql: 'TRUE', params: [] });
      await expect(segments.audienceFilter(randomUUID(), 1)).rejects.toMatchObject({ status: 404 });
    });

    it('audiencePage walks a segment in id order, page by page, without repeats', async () => {
      const all = (await t.query<{ id: string }>(`SELECT id FROM subscribers WHERE status = 'subscribed' ORDER BY id`)).map((r) => r.id);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await segments.audiencePage(null, after, 2);
        if (!page.length) break;
        seen.push(...page);
        after = page[page.length - 1];
      }
      expect(seen).toEqual(all);
      expect((await segments.audiencePage(outsideCoOrNy.id, null, 10)).map(nameOf).sort()).toEqual(['bob', 'dan']);
    });

    it('randomLimitOrder picks the same people for the same seed (SEG-4)', async () => {
      const filter = await segments.audienceFilter(null, 1);
      const pick = async (seed: string) => {
        const order = randomLimitOrder(seed, 1 + filter.params.length);
        const rows = await t.query<{ id: string }>(
          `SELECT s.id FROM subscribers s WHERE s.status = 'subscribed' AND ${filter.sql} ORDER BY ${order.sql} LIMIT 2`,
          [...filter.params, ...order.params],
        );
        return rows.map((r) => r.id).join(',');
      };
      expect(await pick('blast-1')).toBe(await pick('blast-1'));
      const picks = new Set(await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(pick)));
      expect(picks.size).toBeGreaterThan(1);
    });

    it('a segment another segment references cannot be deleted (409); an unused one can', async () => {
      const before = await t.query(`SELECT id FROM segments`);
      const refused = await t.request('DELETE', `/api/v1/segments/${volunteers.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain('Volunteers outside Colorado');
      expect(await t.query(`SELECT id FROM segments`)).toHaveLength(before.length);

      expect((await t.request('DELETE', `/api/v1/segments/${outsideCoOrNy.id}`)).status).toBe(204);
      expect((await t.request('GET', `/api/v1/segments/${outsideCoOrNy.id}`)).status).toBe(404);
      expect((await t.request('DELETE', `/api/v1/segments/${outsideCoOrNy.id}`)).status).toBe(404);
    });

    it('a segment a blast uses cannot be deleted (409)', async () => {
      const seg = await t.request('POST', '/api/v1/segments', { body: { name: 'Used by a blast', rules: { state: 'CO' } } });
      await insertBlastWithDeliveries(t, {}, seg.body.id);
      const res = await t.request('DELETE', `/api/v1/segments/${seg.body.id}`);
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/blast/);
      expect((await t.request('GET', `/api/v1/segments/${seg.body.id}`)).status).toBe(200);
    });

    it('names are unique case-insensitively (409)', async () => {
      const res = await t.request('POST', '/api/v1/segments', { body: { name: 'VOLUNTEERS OUTSIDE COLORADO', rules: { tag: 'x' } } });
      expect(res.status).toBe(409);
    });

    it('viewers may count and preview but not change segments', async () => {
      const viewer = await t.createKey('viewer');
      expect((await t.request('GET', '/api/v1/segments', { key: viewer })).status).toBe(200);
      expect((await t.request('GET', `/api/v1/segments/${volunteers.id}/count`, { key: viewer })).status).toBe(200);
      expect((await t.request('POST', '/api/v1/segments/preview', { key: viewer, body: { rules: { tag: 'x' } } })).status).toBe(200);
      expect((await t.request('POST', '/api/v1/segments', { key: viewer, body: { name: 'Nope', rules: { tag: 'x' } } })).status).toBe(403);
      expect((await t.request('GET', '/api/v1/segments', { key: false })).status).toBe(401);
    });
  });

  it('documents the segment endpoints in OpenAPI (API-2)', async () => {
    const doc = (await t.request('GET', '/docs-json', { key: false })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/segments', '/api/v1/segments/preview', '/api/v1/segments/{id}', '/api/v1/segments/{id}/count']),
    );
    expect(doc.paths['/api/v1/segments/preview'].post.responses['400']).toBeDefined();
    expect(doc.components.schemas.PreviewSegmentDto.properties.rules.description).toContain('signedAnySince');
  });

  describe('bad input → 400 naming the path, nothing written (SEG-2, SEC-1)', () => {
    const bad = async (method: string, path: string, body: unknown) => {
      const before = await t.query(`SELECT id FROM segments`);
      const res = await t.request(method, path, { body });
      expect(await t.query(`SELECT id FROM segments`)).toHaveLength(before.length);
      return res;
    };

    it('an unknown operator deep in the tree', async () => {
      const res = await bad('POST', '/api/v1/segments', {
        name: 'Bad op',
        rules: { and: [{ tag: 'a' }, { tag: 'b' }, { field: 'firstName', op: 'like', value: 'A' }] },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringContaining('rules.and[2].op'),
        details: [{ path: 'rules.and[2].op', message: expect.stringContaining('unknown operator') }],
      });
    });

    it.each<[string, unknown, string]>([
      ['unknown rule key', { and: [{ tag: 'a' }, { tags: 'b' }] }, 'rules.and[1].tags'],
      ['wrong value type', { state: 5 }, 'rules.state'],
      ['empty group', { or: [] }, 'rules.or'],
      ['empty rule', { not: {} }, 'rules.not'],
      ['unknown field', { field: 'password', op: 'eq', value: 'x' }, 'rules.field'],
      ['JSON structure as a custom value', { custom: 'donor', op: 'eq', value: { $gt: '' } }, 'rules.value'],
      ['not a uuid', { received: "1' OR '1'='1" }, 'rules.received'],
      ['a segment that does not exist', { segment: randomUUID() }, 'rules.segment'],
      ['too deep', JSON.parse(`${'{"not":'.repeat(11)}{"tag":"a"}${'}'.repeat(11)}`), `rules${'.not'.repeat(10)}`],
      ['NUL character', { tag: 'a\u0000' }, 'rules.tag'],
      ['impossible date', { joined: { after: '2026-02-31' } }, 'rules.joined.after'],
      ['year PostgreSQL cannot store', { signedAnySince: '0000-01-01' }, 'rules.signedAnySince'],
      ['lone surrogate (cannot be jsonb)', { custom: 'k', op: 'in', value: ['ok', 'a\ud800'] }, 'rules.value[1]'],
    ])('preview: %s', async (_name, rules, path) => {
      const res = await bad('POST', '/api/v1/segments/preview', { rules });
      expect(res.status).toBe(400);
      expect(res.body.details).toContainEqual({ path, message: expect.any(String) });
    });

    it.each<[string, unknown, string]>([
      ['missing rules', { name: 'x' }, 'rules'],
      ['rules not an object', { name: 'x', rules: 'tag:volunteer' }, 'rules'],
      ['rules an array', { name: 'x', rules: [{ tag: 'a' }] }, 'rules'],
      ['empty name', { name: '', rules: { tag: 'a' } }, 'name'],
      ['unknown body field', { name: 'x', rules: { tag: 'a' }, owner: 'me' }, 'owner'],
      ['NUL in the name', { name: 'a\u0000b', rules: { tag: 'a' } }, 'name'],
      ['blank name', { name: '   ', rules: { tag: 'a' } }, 'name'],
      ['NUL in the description', { name: 'x', description: '\u0000', rules: { tag: 'a' } }, 'description'],
    ])('create: %s', async (_name, body, path) => {
      const res = await bad('POST', '/api/v1/segments', body);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    });

    it('update: null name or rules, bad rules → 400 and the segment is unchanged', async () => {
      const seg = await t.request('POST', '/api/v1/segments', { body: { name: 'Patch target', rules: { tag: 'x' } } });
      for (const body of [{ name: null }, { rules: null }, { name: '' }, { name: ' ' }, { rules: { tag: ['a', 5] } }, { extra: true }]) {
        const res = await t.request('PATCH', `/api/v1/segments/${seg.body.id}`, { body });
        expect(res.status).toBe(400);
      }
      expect((await t.request('GET', `/api/v1/segments/${seg.body.id}`)).body).toMatchObject({ name: 'Patch target', rules: { tag: 'x' } });
      const cleared = await t.request('PATCH', `/api/v1/segments/${seg.body.id}`, { body: { description: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.description).toBeNull();
    });

    it('bad ids: 400 for a malformed id, 404 for an unknown one', async () => {
      expect((await t.request('GET', '/api/v1/segments/not-a-uuid')).status).toBe(400);
      expect((await t.request('GET', '/api/v1/segments/not-a-uuid/count')).status).toBe(400);
      expect((await t.request('GET', `/api/v1/segments/${randomUUID()}/count`)).status).toBe(404);
      expect((await t.request('PATCH', `/api/v1/segments/${randomUUID()}`, { body: { name: 'x' } })).status).toBe(404);
    });

    it('invalid JSON body', async () => {
      const res = await t.request('POST', '/api/v1/segments/preview', { raw: '{"rules": {"tag": ', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
    });
  });
});
