import { bootApp, TestApp } from './support/app';
import { createPetition, SENATORS, sign, writeRosterVariant, ZIPS } from './support/petition-factories';
import { importWithCli } from './support/roster-files';

jest.setTimeout(120_000);

/**
 * Issue 12 item 15: after `legislators:import` every route of every running instance answers from the new roster on
 * its very next request — no route keeps serving the old one for a while.
 */
describe('A new roster reaches every route of every instance at once', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await bootApp({ worker: false });
    // A second api on the same database: its own memory, like another process behind the load balancer.
    second = await bootApp({ worker: false, database: first.database });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  /** Who each roster-reading route names as Majority Leader, and Colorado's senators as a signer sees them. */
  async function observe(t: TestApp, petition: { id: string; slug: string }) {
    const leaderOf = (targets: { role: string | null; bioguideId: string | null }[]) => targets.find((x) => x.role === 'majority_leader')?.bioguideId;
    const leadership = await t.request('GET', '/api/v1/legislators/leadership');
    const byRole = await t.request('GET', '/api/v1/legislators/senators?role=majority_leader');
    const page = await t.request('GET', `/p/${petition.slug}`, { key: false });
    const pageLeader = /<span class="name">([^<]+)<\/span><span class="role">Senate Majority Leader<\/span>/.exec(page.text)?.[1];
    const publicJson = await t.request('GET', `/api/v1/public/petitions/${petition.slug}`, { key: false });
    const organizer = await t.request('GET', `/api/v1/petitions/${petition.id}`);
    const list = await t.request('GET', '/api/v1/petitions');
    const signed = await sign(t, petition.slug, { zip: ZIPS.colorado });
    const packet = await t.request('GET', `/api/v1/petitions/${petition.id}/delivery/majority_leader`);
    return {
      leadership: leadership.body.find((e: any) => e.role === 'majority_leader')?.senator.bioguideId,
      senatorsByRole: byRole.body.map((s: any) => s.bioguideId),
      pageLeader,
      publicJson: leaderOf(publicJson.body.targets),
      organizer: leaderOf(organizer.body.resolvedTargets),
      organizerList: leaderOf(list.body.find((p: any) => p.id === petition.id).resolvedTargets),
      signatureLeader: signed.body.targets.find((x: any) => x.role === 'majority_leader')?.bioguideId,
      signatureOwnSenators: signed.body.ownSenators.senators.map((s: any) => s.bioguideId).sort(),
      packet: /filename="[^"]*-([A-Z][0-9]{6})\.csv"/.exec(packet.headers.get('content-disposition') ?? '')?.[1],
    };
  }

  const expected = (leader: string, leaderName: string, colorado: string[]) => ({
    leadership: leader,
    senatorsByRole: [leader],
    pageLeader: leaderName,
    publicJson: leader,
    organizer: leader,
    organizerList: leader,
    signatureLeader: leader,
    signatureOwnSenators: [...colorado].sort(),
    packet: leader,
  });

  it('a new Majority Leader and a departed Colorado senator, imported by the CLI, show on the next request everywhere', async () => {
    const petition = await createPetition(first, { targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }] });
    // Warm every route on both instances (fills whatever they keep in memory).
    const before = expected(SENATORS.thune, 'John Thune', [SENATORS.bennet, SENATORS.hickenlooper]);
    expect(await observe(first, petition)).toEqual(before);
    expect(await observe(second, petition)).toEqual(before);

    const file = writeRosterVariant({ majorityLeader: SENATORS.barrasso, drop: [SENATORS.hickenlooper] });
    const imported = await importWithCli(first, file);
    expect(imported.code).toBe(0);

    // No wait: the very next request on each route of each instance names the new holder.
    const after = expected(SENATORS.barrasso, 'John Barrasso', [SENATORS.bennet]);
    expect(await observe(first, petition)).toEqual(after);
    expect(await observe(second, petition)).toEqual(after);
  });
});
