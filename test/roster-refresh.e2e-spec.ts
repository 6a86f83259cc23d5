import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootApp, TestApp } from './support/app';
import { createPetition, eventually, parseCsv, rosterVariantJson, SENATORS, sign, ZIPS } from './support/petition-factories';
import { importWithCliEnv, SHIPPED_ROSTER, truncatedRosterYaml } from './support/roster-files';
import { RosterServer, startRosterServer } from './support/roster-server';

jest.setTimeout(180_000);

/** What says whether a refresh wrote anything: the roster version, the stored changes, the senators' rows. */
async function writes(t: TestApp) {
  const [{ version }] = await t.query(`SELECT version::text AS version FROM roster_version`);
  const [{ changes }] = await t.query(`SELECT count(*)::int AS changes FROM roster_changes`);
  const [{ touched }] = await t.query(`SELECT max(updated_at)::text AS touched FROM legislators`);
  return { version, changes, touched };
}

/** Trigger a refresh (the job the schedule queues) and wait for the worker to record its outcome. */
async function refreshNow(t: TestApp) {
  const before = (await t.request('GET', '/api/v1/legislators/refresh')).body.attempts as number;
  const queued = await t.request('POST', '/api/v1/legislators/refresh');
  expect(queued.status).toBe(202);
  expect(queued.body).toMatchObject({ queued: true, jobId: expect.any(String) });
  return eventually(async () => {
    const state = (await t.request('GET', '/api/v1/legislators/refresh')).body;
    return state.attempts > before ? state : null;
  }, 60_000);
}

const majorityLeader = async (t: TestApp) =>
  (await t.request('GET', '/api/v1/legislators/leadership')).body.find((e: any) => e.role === 'majority_leader')?.senator.bioguideId ?? null;

const packet = async (t: TestApp, petitionId: string, target: string) => {
  const res = await t.request('GET', `/api/v1/petitions/${petitionId}/delivery/${target}`);
  expect(res.status).toBe(200);
  return { rows: parseCsv(res.text), filename: res.headers.get('content-disposition') };
};

const notices = (t: TestApp) => {
  const dir = t.env.MAIL_OUTBOX_DIR;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    // Quoted-printable soft line breaks joined, so text can be searched whole.
    .map((f) => readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, ''))
    .filter((m) => /^Subject: Senate roster change/m.test(m));
};

describe('The roster refreshes itself from a URL (issue 19)', () => {
  let server: RosterServer;
  let t: TestApp;
  let petition: { id: string; slug: string };

  beforeAll(async () => {
    server = await startRosterServer();
    t = await bootApp({
      env: {
        LEGISLATORS_SOURCE_URL: server.url,
        LEGISLATORS_SOURCE_ALLOW_HTTP: 'true',
        LEGISLATORS_REFRESH_CRON: '',
        LEGISLATORS_SOURCE_TIMEOUT_MS: '2000',
        ROSTER_NOTICE_EMAILS: 'organizer@example.org',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('an unchanged roster writes nothing: same content, then 304 to the conditional request, then the same bytes again', async () => {
    const before = await writes(t);
    server.set({ body: readFileSync(SHIPPED_ROSTER, 'utf8'), etag: '"v1"', lastModified: 'Mon, 23 Nov 2026 10:00:00 GMT', honorConditional: true });
    const first = await refreshNow(t);
    expect(first).toMatchObject({ lastResult: 'unchanged', lastTrigger: 'manual', etag: '"v1"', lastHttpStatus: 200, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await writes(t)).toEqual(before);

    const second = await refreshNow(t);
    expect(server.requests[server.requests.length - 1]).toMatchObject({ 'if-none-match': '"v1"', 'if-modified-since': 'Mon, 23 Nov 2026 10:00:00 GMT' });
    expect(second).toMatchObject({ lastResult: 'not_modified', lastHttpStatus: 304, etag: '"v1"', contentHash: first.contentHash });
    expect(await writes(t)).toEqual(before);

    // A server that ignores the conditional request and sends the same bytes: recognized by the hash.
    server.set({ body: readFileSync(SHIPPED_ROSTER, 'utf8'), etag: '"v1-again"' });
    const third = await refreshNow(t);
    expect(third).toMatchObject({ lastResult: 'unchanged', lastReason: 'same content as the last fetch', etag: '"v1-again"' });
    expect(await writes(t)).toEqual(before);
  });

  it('a new Majority Leader: the diff names it; the open petition\'s page, new signatures, packet and stats follow; organizers are told', async () => {
    petition = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }] });
    const early = await sign(t, petition.slug, { firstName: 'Early', zip: ZIPS.colorado });
    expect(early.body.targets.map((x: any) => x.bioguideId)).toEqual([SENATORS.thune]);

    server.set({ body: rosterVariantJson({ majorityLeader: SENATORS.barrasso }), etag: '"v2"' });
    const state = await refreshNow(t);
    expect(state).toMatchObject({ lastResult: 'imported', etag: '"v2"', lastChangeId: expect.any(String), lastReason: null });
    expect(await majorityLeader(t)).toBe(SENATORS.barrasso);

    const changes = await t.request('GET', '/api/v1/legislators/changes');
    expect(changes.status).toBe(200);
    const change = changes.body.items[0];
    expect(change).toMatchObject({ id: state.lastChangeId, trigger: 'manual', source: server.url, arrived: [], left: [], changed: [] });
    expect(change.roles).toEqual([
      {
        role: 'majority_leader',
        title: 'Senate Majority Leader',
        from: { bioguideId: SENATORS.thune, name: 'John Thune', state: 'SD', party: 'Republican' },
        to: { bioguideId: SENATORS.barrasso, name: 'John Barrasso', state: 'WY', party: 'Republican' },
      },
    ]);

    const page = await t.request('GET', `/p/${petition.slug}`, { key: false });
    expect(page.text).toContain('<li><span class="name">John Barrasso</span><span class="role">Senate Majority Leader</span></li>');
    expect(page.text).toMatch(/The Senate Majority Leader changed on [A-Z][a-z]+ \d+, \d{4}: John Thune was succeeded by John Barrasso\./);

    const late = await sign(t, petition.slug, { firstName: 'Late', zip: ZIPS.newYork });
    expect(late.body.targets.map((x: any) => x.bioguideId)).toEqual([SENATORS.barrasso]);

    const { rows, filename } = await packet(t, petition.id, 'majority_leader');
    expect(filename).toContain(`${petition.slug}-${SENATORS.barrasso}.csv`);
    expect(rows.map((r) => [r.name, r.addressed_as, r.addressed_to_at_signing, r.holder_now])).toEqual([
      ['Early Lovelace', 'Senate Majority Leader', 'John Thune', 'John Barrasso'],
      ['Late Lovelace', 'Senate Majority Leader', 'John Barrasso', 'John Barrasso'],
    ]);

    const stats = await t.request('GET', `/api/v1/petitions/${petition.id}/stats`);
    expect(stats.body.roleChanges).toEqual([
      expect.objectContaining({
        role: 'majority_leader',
        from: expect.objectContaining({ bioguideId: SENATORS.thune }),
        to: expect.objectContaining({ bioguideId: SENATORS.barrasso }),
        changeId: state.lastChangeId,
        notice: expect.stringContaining('John Thune was succeeded by John Barrasso'),
      }),
    ]);

    // The audit log names the change as the system's act, by role and bioguide id (no addresses, no full diff).
    const audit = await t.request('GET', '/api/v1/audit?action=roster.changed');
    expect(audit.body.items[0]).toMatchObject({
      action: 'roster.changed',
      actorType: 'system',
      actorId: null,
      subjectType: 'roster_change',
      subjectId: state.lastChangeId,
      details: { arrived: 0, left: 0, changed: 0, roles: [{ role: 'majority_leader', from: SENATORS.thune, to: SENATORS.barrasso }] },
    });

    const mail = await eventually(() => notices(t).find((m) => m.includes('now John Barrasso')));
    expect(mail).toMatch(/^To: organizer@example\.org/m);
    expect(mail).toContain(`/p/${petition.slug}`);
  });

  const failures: [string, () => void, RegExp][] = [
    ['a partial file (a truncated download)', () => server.set({ body: truncatedRosterYaml(60), etag: '"partial"' }), /^refused: not a whole Senate: 60 current senators/],
    ['a 500', () => server.set({ status: 500, body: 'upstream broke' }), /^failed: the source answered HTTP 500$/],
    ['a timeout', () => server.set({ hang: true }), /^failed: no complete answer within 2000 ms$/],
    ['a 50 MB body (no Content-Length)', () => server.set({ streamBytes: 50 * 1024 * 1024 }), /^failed: the file is over the 5242880-byte limit \(stopped reading\)$/],
    ['a 50 MB body (declared)', () => server.set({ streamBytes: 50 * 1024 * 1024, declareLength: true }), /^failed: the file is 52428800 bytes, over the 5242880-byte limit$/],
  ];
  it.each(failures)('%s keeps the roster and says why', async (_what, serve, why) => {
    const before = await writes(t);
    const etag = (await t.request('GET', '/api/v1/legislators/refresh')).body.etag;
    serve();
    const state = await refreshNow(t);
    expect(`${state.lastResult}: ${state.lastReason}`).toMatch(why);
    // The validators of the last good fetch are kept for the next conditional request.
    expect(state.etag).toBe(etag);
    expect(await writes(t)).toEqual(before);
    expect(await majorityLeader(t)).toBe(SENATORS.barrasso);
    if (_what.startsWith('a 50 MB')) expect(server.streamed()).toBeLessThan(20 * 1024 * 1024);
  });

  it('a vacant Majority Leader: the page says vacant, signing works, the packet keeps the signatures under the role until a holder exists', async () => {
    server.set({ body: rosterVariantJson({ majorityLeader: null }), etag: '"v3"' });
    expect((await refreshNow(t)).lastResult).toBe('imported');
    expect(await majorityLeader(t)).toBeNull();
    const change = (await t.request('GET', '/api/v1/legislators/changes?limit=1')).body.items[0];
    expect(change.roles).toEqual([expect.objectContaining({ role: 'majority_leader', from: expect.objectContaining({ bioguideId: SENATORS.barrasso }), to: null })]);

    const page = await t.request('GET', `/p/${petition.slug}`, { key: false });
    expect(page.text).toContain(
      '<li><span class="name">Senate Majority Leader</span><span class="role">Vacant: signatures are delivered to whoever takes the role</span></li>',
    );
    expect(page.text).toMatch(/The Senate Majority Leader has been vacant since [A-Z][a-z]+ \d+, \d{4} \(previously John Barrasso\)/);

    const signed = await sign(t, petition.slug, { firstName: 'Vacancy', zip: ZIPS.southDakota });
    expect(signed.status).toBe(201);
    expect(signed.body.targets).toEqual([
      { bioguideId: null, name: null, role: 'majority_leader', state: null, label: 'Senate Majority Leader (vacant: signatures are delivered to whoever takes the role)' },
    ]);
    const form = await t.request('POST', `/p/${petition.slug}`, {
      key: false,
      raw: new URLSearchParams({ email: 'form.vacancy@example.org', firstName: 'Form', lastName: 'Signer', zip: ZIPS.colorado }),
    });
    expect(form.status).toBe(200);
    expect(form.text).toContain('Senate Majority Leader (vacant');

    const vacant = await packet(t, petition.id, 'majority_leader');
    expect(vacant.filename).toContain(`${petition.slug}-majority_leader.csv`);
    expect(vacant.rows.map((r) => [r.name, r.addressed_to_at_signing, r.holder_now])).toEqual([
      ['Early Lovelace', 'John Thune', 'vacant'],
      ['Late Lovelace', 'John Barrasso', 'vacant'],
      ['Vacancy Lovelace', 'vacant', 'vacant'],
      ['Form Signer', 'vacant', 'vacant'],
    ]);

    // A new holder: the signatures kept for the role go to them.
    server.set({ body: rosterVariantJson({ majorityLeader: SENATORS.grassley }), etag: '"v4"' });
    expect((await refreshNow(t)).lastResult).toBe('imported');
    const held = await packet(t, petition.id, SENATORS.grassley);
    expect(held.rows.map((r) => [r.name, r.addressed_to_at_signing, r.holder_now])).toEqual([
      ['Early Lovelace', 'John Thune', 'Chuck Grassley'],
      ['Late Lovelace', 'John Barrasso', 'Chuck Grassley'],
      ['Vacancy Lovelace', 'vacant', 'Chuck Grassley'],
      ['Form Signer', 'vacant', 'Chuck Grassley'],
    ]);
    const stats = await t.request('GET', `/api/v1/petitions/${petition.id}/stats`);
    expect(stats.body.roleChanges.map((c: any) => [c.from?.bioguideId ?? null, c.to?.bioguideId ?? null])).toEqual([
      [SENATORS.thune, SENATORS.barrasso],
      [SENATORS.barrasso, null],
      [null, SENATORS.grassley],
    ]);
  });

  it('pages the changes newest first and refuses a bad cursor; the trigger is admin-only', async () => {
    const first = await t.request('GET', '/api/v1/legislators/changes?limit=2');
    expect(first.body.items).toHaveLength(2);
    const next = await t.request('GET', `/api/v1/legislators/changes?limit=2&before=${first.body.nextBefore}`);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(first.body.items[1].id));
    expect((await t.request('GET', '/api/v1/legislators/changes?before=abc')).status).toBe(400);
    expect((await t.request('GET', '/api/v1/legislators/changes?limit=0')).status).toBe(400);
    const viewer = await t.createKey('viewer');
    expect((await t.request('GET', '/api/v1/legislators/refresh', { key: viewer })).status).toBe(200);
    expect((await t.request('POST', '/api/v1/legislators/refresh', { key: viewer })).status).toBe(403);
    expect((await t.request('POST', '/api/v1/legislators/refresh', { key: await t.createKey('organizer') })).status).toBe(403);
  });

  it('legislators:import takes an https:// URL; http:// only when allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloture-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const https = await startRosterServer({ key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') });
    try {
      https.set({ body: rosterVariantJson({ majorityLeader: SENATORS.schumer }) });
      const cli = await importWithCliEnv(t, { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }, https.url);
      expect(cli.output).toMatch(/imported from https:\/\/127\.0\.0\.1:\d+\/legislators-current\.json: .*roles: majority_leader Chuck Grassley -> Charles E\. Schumer/);
      expect(cli.code).toBe(0);
      expect(await majorityLeader(t)).toBe(SENATORS.schumer);
    } finally {
      await https.close();
    }
    const plain = await importWithCliEnv(t, {}, server.url);
    expect(plain.code).toBe(1);
    expect(plain.output).toContain('failed: the roster source must be an https:// URL (http:// only with LEGISLATORS_SOURCE_ALLOW_HTTP=true)');
    expect(await majorityLeader(t)).toBe(SENATORS.schumer);
  });

});

describe('The scheduled refresh (issue 19)', () => {
  let server: RosterServer;
  let t: TestApp;

  beforeAll(async () => {
    server = await startRosterServer();
    server.set({ body: rosterVariantJson({ majorityLeader: SENATORS.barrasso }), etag: '"s1"', honorConditional: true });
    // Every second, so the test need not wait for a daily run; the job is the one the default schedule queues.
    t = await bootApp({ env: { LEGISLATORS_SOURCE_URL: server.url, LEGISLATORS_SOURCE_ALLOW_HTTP: 'true', LEGISLATORS_REFRESH_CRON: '* * * * * *' } });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('the worker refreshes on its schedule and picks up the new Majority Leader', async () => {
    await eventually(async () => (await majorityLeader(t)) === SENATORS.barrasso, 60_000);
    const state = (await t.request('GET', '/api/v1/legislators/refresh')).body;
    expect(state).toMatchObject({ enabled: true, schedule: '* * * * * *', lastTrigger: 'schedule' });
    expect((await t.request('GET', '/api/v1/legislators/changes')).body.items[0]).toMatchObject({ trigger: 'schedule' });
    // Later runs ask conditionally and are answered 304.
    await eventually(async () => (await t.request('GET', '/api/v1/legislators/refresh')).body.lastResult === 'not_modified', 30_000);
  });

});
