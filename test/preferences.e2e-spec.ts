import { PreferenceLinksService } from '../src/preferences/preference-links.service';
import { bootApp, TestApp } from './support/app';
import { fakeBlastId, form, insertPreferenceSubscriber, insertTopic, pathOf, preferenceState } from './support/preference-factories';

// jest.config.js sets testTimeout inside `projects`, where Jest ignores it: the default 5 s is too short on a busy machine.
jest.setTimeout(60_000);

/** UNSUB-2, PREF-1/2: the preference center — frequency, topics, unsubscribe from everything, resubscribe. */
describe('Preference center (e2e)', () => {
  let t: TestApp;
  let links: PreferenceLinksService;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    links = t.get(PreferenceLinksService);
  });
  afterAll(async () => {
    await t?.close();
  });

  const prefsPath = (id: string, blastId?: string) => pathOf(links.forRecipient(id, blastId).preferencesUrl);
  const post = (path: string, fields: [string, string][]) => t.request('POST', path, { key: false, raw: form(fields) });

  it('renders the masked address, the four frequencies, topic checkboxes and "unsubscribe from everything"', async () => {
    const election = await insertTopic(t, 'Election security <test>', 'Paper ballots & audits');
    const s = await insertPreferenceSubscriber(t, { email: 'jane@example.org' });
    await t.query(`INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) VALUES ($1, $2)`, [s.id, election.id]);
    const res = await t.request('GET', prefsPath(s.id), { key: false });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('j***@example.org');
    expect(res.text).not.toContain('jane@');
    expect(res.text).toContain('<meta name="viewport"');
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).not.toMatch(/<script|<link /);
    for (const label of ['Every email', 'At most one email a week', 'At most one email a month', 'Only the most important emails']) {
      expect(res.text).toContain(label);
    }
    expect(res.text).toMatch(/value="all" checked/);
    // Organizer text is escaped; an opted-out topic is unchecked.
    expect(res.text).toContain('Election security &lt;test&gt;');
    expect(res.text).toContain('Paper ballots &amp; audits');
    expect(res.text).toMatch(new RegExp(`name="topics" value="${election.id}">`));
    expect(res.text).toContain('Unsubscribe from everything');
    expect(res.text).not.toContain('value="resubscribe"');
  });

  it('the form sets monthly and a topic opt-out, and says what changed', async () => {
    const keep = await insertTopic(t, 'Judicial nominations');
    const drop = await insertTopic(t, 'Filibuster reform');
    const s = await insertPreferenceSubscriber(t);
    const path = prefsPath(s.id, fakeBlastId());
    const res = await post(path, [
      ['frequency', 'monthly'],
      ['shownTopics', keep.id],
      ['shownTopics', drop.id],
      ['topics', keep.id],
      ['action', 'save'],
    ]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('at most one email a month');
    expect(res.text).toContain('No more emails about Filibuster reform.');
    const after = await preferenceState(t, s.id);
    expect(after).toMatchObject({ status: 'subscribed', frequency: 'monthly', optOuts: [drop.id], events: 0 });
    expect(res.text).toMatch(/value="monthly" checked/);

    // Saving the same choices again changes nothing; checking the topic again opts back in.
    const same = await post(path, [['frequency', 'monthly'], ['shownTopics', keep.id], ['shownTopics', drop.id], ['topics', keep.id]]);
    expect(same.text).toContain('Nothing changed.');
    const back = await post(path, [['frequency', 'monthly'], ['shownTopics', drop.id], ['topics', drop.id]]);
    expect(back.text).toContain('You will get emails about Filibuster reform again.');
    expect((await preferenceState(t, s.id)).optOuts).toEqual([]);
  });

  it('only the topics the page showed are updated (a topic created after the page loaded is left alone)', async () => {
    const shown = await insertTopic(t);
    const s = await insertPreferenceSubscriber(t);
    const later = await insertTopic(t);
    await post(prefsPath(s.id), [['frequency', 'weekly'], ['shownTopics', shown.id]]);
    expect(await preferenceState(t, s.id)).toMatchObject({ frequency: 'weekly', optOuts: [shown.id] });
    expect((await preferenceState(t, s.id)).optOuts).not.toContain(later.id);
  });

  it('"unsubscribe from everything" unsubscribes, attributed to the blast; then the page offers resubscribe', async () => {
    const s = await insertPreferenceSubscriber(t);
    const blastId = fakeBlastId();
    const path = prefsPath(s.id, blastId);
    const res = await post(path, [['frequency', 'all'], ['action', 'unsubscribe']]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are unsubscribed from everything');
    expect(await preferenceState(t, s.id)).toMatchObject({ status: 'unsubscribed', unsubscribedBlastId: blastId, events: 1 });
    expect(await t.query(`SELECT blast_id, kind, via FROM unsubscribe_events WHERE subscriber_id = $1`, [s.id])).toEqual([
      { blast_id: blastId, kind: 'unsubscribe', via: 'preference-center' },
    ]);
    const page = await t.request('GET', path, { key: false });
    expect(page.text).toContain('You are unsubscribed');
    expect(page.text).toContain('value="resubscribe"');
  });

  it('resubscribe brings an unsubscribed person back with fresh consent and the chosen frequency', async () => {
    const s = await insertPreferenceSubscriber(t, { status: 'unsubscribed' });
    const res = await post(prefsPath(s.id), [['frequency', 'important_only'], ['action', 'resubscribe']]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are subscribed again');
    const after = await preferenceState(t, s.id);
    expect(after).toMatchObject({ status: 'subscribed', frequency: 'important_only', consentSource: 'preference-center', unsubscribedAt: null });
    expect(after.consentAt).toBeInstanceOf(Date);
    const [consent] = await t.query(`SELECT consent_text FROM subscribers WHERE id = $1`, [s.id]);
    expect(consent.consent_text).toMatch(/Subscribe me again/);
    expect(await t.query(`SELECT kind FROM unsubscribe_events WHERE subscriber_id = $1`, [s.id])).toEqual([{ kind: 'resubscribe' }]);
  });

  it('never resubscribes bounced or complained people (nor unconfirmed ones, who must confirm)', async () => {
    for (const status of ['bounced', 'complained', 'unconfirmed']) {
      const s = await insertPreferenceSubscriber(t, { status });
      const page = await t.request('GET', prefsPath(s.id), { key: false });
      expect(page.text).not.toContain('value="resubscribe"');
      const res = await post(prefsPath(s.id), [['action', 'resubscribe']]);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Nothing changed.');
      expect(await preferenceState(t, s.id)).toMatchObject({ status, consentSource: null, events: 0 });
    }
  });

  it('bad form input → 400 HTML page and nothing written', async () => {
    const topic = await insertTopic(t);
    const s = await insertPreferenceSubscriber(t);
    const path = prefsPath(s.id);
    const before = await preferenceState(t, s.id);
    const bad: [string, string][][] = [
      [['frequency', 'hourly']],
      [['action', 'delete-everything']],
      [['frequency', 'monthly'], ['shownTopics', 'not-a-uuid']],
      [['frequency', 'monthly'], ['topics', topic.id], ['isAdmin', 'true']],
      [['frequency', 'monthly'], ['frequency', 'weekly']],
    ];
    for (const fields of bad) {
      const res = await post(path, fields);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('The form could not be read');
    }
    const json = await t.request('POST', path, { key: false, body: { frequency: 'monthly', evil: { $ne: 1 } } });
    expect(json.status).toBe(400);
    expect(await preferenceState(t, s.id)).toEqual(before);
  });

  it('a tampered or unknown preferences token → the same 404 page, and no change', async () => {
    const s = await insertPreferenceSubscriber(t);
    const token = prefsPath(s.id).split('/').pop()!;
    const raw = Buffer.from(token, 'base64url');
    raw[raw.length - 1] ^= 0x01;
    const reference = await t.request('GET', `/preferences/${'C'.repeat(47)}`, { key: false });
    expect(reference.status).toBe(404);
    const unsubscribeToken = pathOf(links.forRecipient(s.id).unsubscribeUrl).split('/').pop()!;
    for (const bad of [raw.toString('base64url'), token.slice(0, 40), unsubscribeToken]) {
      const get = await t.request('GET', `/preferences/${bad}`, { key: false });
      const postRes = await post(`/preferences/${bad}`, [['frequency', 'monthly'], ['action', 'unsubscribe']]);
      expect([get.status, postRes.status]).toEqual([404, 404]);
      expect(get.text).toBe(reference.text);
      expect(postRes.text).toBe(reference.text);
    }
    expect(await preferenceState(t, s.id)).toMatchObject({ status: 'subscribed', frequency: 'all' });
  });

  it('an erased subscriber\'s links are dead: same 404, and the placeholder can never be resubscribed', async () => {
    const s = await insertPreferenceSubscriber(t, { status: 'unsubscribed' });
    const path = prefsPath(s.id);
    const unsubscribe = pathOf(links.forRecipient(s.id).unsubscribeUrl);
    await t.query(`UPDATE subscribers SET email = 'erased+' || id || '@erased.invalid', erased_at = now() WHERE id = $1`, [s.id]);
    const reference = await t.request('GET', `/preferences/${'C'.repeat(47)}`, { key: false });
    for (const res of [
      await t.request('GET', path, { key: false }),
      await post(path, [['action', 'resubscribe']]),
      await t.request('GET', unsubscribe, { key: false }),
      await t.request('POST', unsubscribe, { key: false, raw: form([['List-Unsubscribe', 'One-Click']]) }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.text).toBe(reference.text);
    }
    expect(await preferenceState(t, s.id)).toMatchObject({ status: 'unsubscribed', events: 0 });
  });

  it('malformed requests to the token routes get 4xx, never 5xx, and write nothing', async () => {
    const s = await insertPreferenceSubscriber(t);
    const prefs = prefsPath(s.id);
    const unsub = pathOf(links.forRecipient(s.id).unsubscribeUrl);
    const before = await preferenceState(t, s.id);
    const json = { 'content-type': 'application/json' };
    const attempts: [string, string, { raw?: string; headers?: Record<string, string> }][] = [
      ['POST', prefs, { raw: '[]', headers: json }],
      ['POST', prefs, { raw: '"monthly"', headers: json }],
      ['POST', prefs, { raw: '{"frequency":', headers: json }],
      ['POST', prefs, { raw: '{"frequency":["monthly"]}', headers: json }],
      ['POST', prefs, { raw: '{"topics":{"$ne":1}}', headers: json }],
      ['POST', prefs, { raw: '{"shownTopics":[' + Array(600).fill('"00000000-0000-4000-8000-000000000000"').join(',') + ']}', headers: json }],
      ['POST', prefs, { raw: 'frequency=monthly', headers: { 'content-type': 'text/plain' } }],
      ['POST', prefs, { raw: '--b\r\nContent-Disposition: form-data; name="frequency"\r\n\r\nmonthly\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' } }],
      ['POST', prefs, { raw: `frequency=${'x'.repeat(2_000_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['POST', unsub, { raw: 'x'.repeat(2_000_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['GET', '/preferences/%ZZ', {}],
      ['GET', `/preferences/${'A'.repeat(5000)}`, {}],
      ['GET', '/unsubscribe/..%2F..%2Fetc%2Fpasswd', {}],
      ['GET', `/unsubscribe/${encodeURIComponent('<script>alert(1)</script>')}`, {}],
      ['PUT', unsub, { raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['DELETE', prefs, {}],
    ];
    const wrong: string[] = [];
    for (const [i, [method, path, opts]] of attempts.entries()) {
      const res = await t.request(method, path, { key: false, ...opts });
      if (res.status < 400 || res.status >= 500) wrong.push(`#${i} ${method} → ${res.status} ${res.text.slice(0, 120)}`);
      expect(res.text).not.toContain('<script>alert');
    }
    expect(wrong).toEqual([]);
    expect(await preferenceState(t, s.id)).toEqual(before);
  });

  it('the pages are public: no API key, no cookie, and documented in OpenAPI', async () => {
    const doc = await t.request('GET', '/docs-json', { key: false });
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/preferences/{token}', '/unsubscribe/{token}']));
    expect(doc.body.paths['/unsubscribe/{token}'].post.requestBody.content).toHaveProperty('multipart/form-data');
  });
});
