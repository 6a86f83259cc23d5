import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Env } from '../src/core/config/env';
import { LegislatorsService } from '../src/legislators/legislators.service';
import { IncompleteRosterError } from '../src/legislators/roster-file';
import { RosterSnapshotLoader } from '../src/legislators/roster-snapshot.loader';
import { bootApp, TestApp } from './support/app';
import { SENATORS, writeRosterVariant } from './support/petition-factories';
import { importWithCli, SHIPPED_ROSTER, writeTruncatedRoster } from './support/roster-files';

// Booting the app (and Chromium) can take a while on a busy machine; hooks otherwise get Jest's 5 s default.
jest.setTimeout(120_000);

describe('Senate roster (TGT-1)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('loads the shipped snapshot on first start: 100 senators, the current leadership', async () => {
    const res = await t.request('GET', '/api/v1/legislators/senators');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(100);
    const leadership = await t.request('GET', '/api/v1/legislators/leadership');
    expect(leadership.status).toBe(200);
    expect(leadership.body.map((e: any) => [e.role, e.senator.name])).toEqual([
      ['majority_leader', 'John Thune'],
      ['minority_leader', 'Charles E. Schumer'],
      ['majority_whip', 'John Barrasso'],
      ['minority_whip', 'Richard J. Durbin'],
      ['president_pro_tempore', 'Chuck Grassley'],
    ]);
    expect(leadership.body[0]).toMatchObject({ title: 'Senate Majority Leader', senator: { state: 'SD', party: 'Republican' } });
  });

  it('filters by state and by role; bad filters are 400 naming the field', async () => {
    const co = await t.request('GET', '/api/v1/legislators/senators?state=co');
    expect(co.body.map((s: any) => s.bioguideId).sort()).toEqual([SENATORS.bennet, SENATORS.hickenlooper].sort());
    expect(co.body[0]).toMatchObject({ state: 'CO', stateRank: 'senior', inOffice: true, phone: expect.any(String) });
    const dc = await t.request('GET', '/api/v1/legislators/senators?state=DC');
    expect(dc.body).toEqual([]);
    const whip = await t.request('GET', '/api/v1/legislators/senators?role=minority_whip');
    expect(whip.body.map((s: any) => s.name)).toEqual(['Richard J. Durbin']);
    expect(whip.body[0].roles).toEqual(['minority_whip']);
    const bad = await t.request('GET', '/api/v1/legislators/senators?role=speaker&state=Colorado');
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: any) => d.path).sort()).toEqual(['role', 'state']);
    expect((await t.request('GET', '/api/v1/legislators/senators/T000250')).body.name).toBe('John Thune');
    expect((await t.request('GET', '/api/v1/legislators/senators/X1')).status).toBe(404);
    expect((await t.request('GET', '/api/v1/legislators/senators', { key: false })).status).toBe(401);
  });

  it('re-import with a newer file (JSON twin): a new Majority Leader, a departed senator kept out of office', async () => {
    const file = writeRosterVariant({ majorityLeader: SENATORS.barrasso, drop: [SENATORS.rounds] });
    const result = await t.get(LegislatorsService).importFile(file);
    expect(result).toMatchObject({ senators: 99, created: 0, updated: 99, leftOffice: [SENATORS.rounds] });
    expect(result.roles.majority_leader).toBe(SENATORS.barrasso);

    const leader = await t.request('GET', '/api/v1/legislators/senators?role=majority_leader');
    expect(leader.body.map((s: any) => s.name)).toEqual(['John Barrasso']);
    expect((await t.request('GET', '/api/v1/legislators/senators')).body).toHaveLength(99);
    const former = await t.request('GET', '/api/v1/legislators/senators?state=SD&includeFormer=true');
    expect(former.body.find((s: any) => s.bioguideId === SENATORS.rounds)).toMatchObject({ inOffice: false });
    const rows = await t.query('SELECT in_office, left_office_at FROM legislators WHERE bioguide_id = $1', [SENATORS.rounds]);
    expect(rows[0].in_office).toBe(false);
    expect(rows[0].left_office_at).not.toBeNull();

    // Re-running the shipped YAML restores both.
    const back = await t.get(LegislatorsService).importFile(join(__dirname, '..', 'data', 'legislators-current.yaml'));
    expect(back).toMatchObject({ senators: 100, leftOffice: [] });
    expect((await t.request('GET', '/api/v1/legislators/senators?role=majority_leader')).body[0].name).toBe('John Thune');
  });

  it('without a source URL the refresh is off: the status says so and a trigger is 409', async () => {
    const state = await t.request('GET', '/api/v1/legislators/refresh');
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ enabled: false, schedule: null, attempts: 0, lastResult: null });
    const trigger = await t.request('POST', '/api/v1/legislators/refresh');
    expect(trigger.status).toBe(409);
    expect(trigger.body.message).toMatch(/LEGISLATORS_SOURCE_URL is empty/);
  });

  it('refuses a file that is not the congress-legislators format and leaves the roster untouched', async () => {
    const file = join(tmpdir(), `not-a-roster-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    await expect(t.get(LegislatorsService).importFile(file)).rejects.toThrow(/list of legislators/);
    writeFileSync(file, JSON.stringify([{ id: { bioguide: 'bad' }, name: { first: 'A', last: 'B' }, terms: [{ type: 'sen', state: 'CO' }] }]));
    await expect(t.get(LegislatorsService).importFile(file)).rejects.toThrow(/bioguide/);
    expect((await t.request('GET', '/api/v1/legislators/senators')).body).toHaveLength(100);
  });

  it('first-start load is idempotent: loaders racing on an empty table import once', async () => {
    await t.query('DELETE FROM leadership_roles');
    await t.query('DELETE FROM legislators');
    const loader = t.get(RosterSnapshotLoader);
    await Promise.all([loader.onApplicationBootstrap(), loader.onApplicationBootstrap(), loader.onApplicationBootstrap()]);
    const [{ n }] = await t.query(`SELECT count(*)::int AS n FROM legislators`);
    expect(n).toBe(100);
    const [{ roles }] = await t.query(`SELECT count(*)::int AS roles FROM leadership_roles`);
    expect(roles).toBe(5);
  });

  const currentSenators = async (state?: string) =>
    (await t.request('GET', `/api/v1/legislators/senators${state ? `?state=${state}` : ''}`)).body as unknown[];

  it('the CLI refuses the shipped file cut at a record boundary (27 senators), naming what is wrong; --force applies it (issue 12 item 5)', async () => {
    const file = writeTruncatedRoster(27);
    const refused = await importWithCli(t, file);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      'legislators:import failed: not a whole Senate: 27 current senators (a whole Senate has 100; at least 95 needed); 25 states have no senator: AL, AK, AZ, CA,',
    );
    expect(refused.output).toContain('23 states have only one: AR, CO, CT,');
    expect(refused.output).toContain('Nothing was imported; legislators:import --force imports it anyway');
    // The stored roster is untouched: nobody marked departed, Colorado keeps both senators.
    expect(await currentSenators()).toHaveLength(100);
    expect(await currentSenators('CO')).toHaveLength(2);
    const [{ departed }] = await t.query(`SELECT count(*)::int AS departed FROM legislators WHERE NOT in_office`);
    expect(departed).toBe(0);

    // The operator insists (the flag before the file must not swallow it): applied as given.
    const forced = await importWithCli(t, '--force', file);
    expect(forced.code).toBe(0);
    expect(forced.output).toMatch(/^27 senators \(0 new, 27 updated\); left office: /m);
    expect(await currentSenators()).toHaveLength(27);
    expect(await currentSenators('CO')).toHaveLength(1);

    const back = await importWithCli(t, SHIPPED_ROSTER);
    expect(back.code).toBe(0);
    expect(await currentSenators()).toHaveLength(100);
    expect(await currentSenators('CO')).toHaveLength(2);
  });

  it('the service (JSON twin) and the first-start loader refuse a partial roster too; the app still starts without one', async () => {
    const json = writeTruncatedRoster(27, 'json');
    await expect(t.get(LegislatorsService).importFile(json)).rejects.toThrow(IncompleteRosterError);
    expect(await currentSenators()).toHaveLength(100);
    expect((await t.get(LegislatorsService).importFile(json, { force: true })).senators).toBe(27);

    await t.query('DELETE FROM leadership_roles');
    await t.query('DELETE FROM legislators');
    const env = Object.assign(new Env(), t.env, { LEGISLATORS_SNAPSHOT_FILE: json });
    await expect(new RosterSnapshotLoader(t.get(LegislatorsService), env).onApplicationBootstrap()).resolves.toBeUndefined();
    expect(await currentSenators()).toHaveLength(0);
    await t.get(RosterSnapshotLoader).onApplicationBootstrap();
    expect(await currentSenators()).toHaveLength(100);
  });
});
