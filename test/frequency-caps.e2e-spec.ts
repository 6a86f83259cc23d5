import { Client } from 'pg';
import { capCountsSql, capSkipSql, freezeCapJoinsSql } from '../src/preferences/frequency-caps';
import { createTestDatabase, dropTestDatabase, serverUrl } from './support/test-database';

/**
 * The frequency-cap rule (PREF-2, PREF-3) as production runs it: the SQL the freeze and the send loop's re-check are
 * built from, evaluated by PostgreSQL over real delivery rows — there is no second copy of the rule to test.
 */
describe('Frequency caps in SQL (PREF-2, PREF-3)', () => {
  let name: string;
  let db: Client;
  let thisBlast: string;
  let otherBlasts: string[];

  beforeAll(async () => {
    name = await createTestDatabase('frequency_caps');
    db = new Client({ connectionString: serverUrl(name) });
    await db.connect();
    const blast = async () =>
      (await db.query<{ id: string }>(`INSERT INTO blasts (name, subject, html_body) VALUES ('Cap fixture', 'Hi', '<p>Hi</p>') RETURNING id`)).rows[0].id;
    thisBlast = await blast();
    otherBlasts = [];
    for (let i = 0; i < 40; i++) otherBlasts.push(await blast());
  });

  afterAll(async () => {
    await db.end();
    await dropTestDatabase(name);
  });

  let n = 0;
  /** A subscriber with `frequency` and deliveries of other blasts at the given ages (hours) and statuses. */
  async function person(frequency: string, deliveries: { hoursAgo: number; status?: string; ownBlast?: boolean }[] = []): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO subscribers (email, frequency, source) VALUES ($1, $2, 'test') RETURNING id`,
      [`cap${++n}@example.org`, frequency],
    );
    const id = rows[0].id;
    for (const [i, d] of deliveries.entries()) {
      await db.query(
        `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, created_at) VALUES ($1, $2, $3, now() - make_interval(hours => $4))`,
        [d.ownBlast ? thisBlast : otherBlasts[i], id, d.status ?? 'sent', d.hoursAgo],
      );
    }
    return id;
  }

  /** `count` deliveries `hoursAgo`. */
  const times = (count: number, hoursAgo: number, status = 'sent') => Array.from({ length: count }, () => ({ hoursAgo, status }));

  /**
   * The reasons the two SQL forms give: the freeze's (freezeCapJoinsSql: frozen-but-unsent rows count) and the send
   * loop's re-check (capCountsSql over sending/sent rows, as claimSql runs it).
   */
  async function reasons(subscriberId: string, priority: 'normal' | 'important', orgCap: number | null): Promise<(string | null)[]> {
    const loop = await db.query<{ reason: string | null }>(
      `SELECT ${capSkipSql('$2', '$3')} AS reason
         FROM subscribers s LEFT JOIN ${capCountsSql('$1::uuid', 'c.subscriber_id = $4::uuid', ['sending', 'sent'])} rc ON rc.subscriber_id = s.id
        WHERE s.id = $4::uuid`,
      [thisBlast, priority, orgCap, subscriberId],
    );
    const freeze = await db.query<{ reason: string | null }>(
      `SELECT ${capSkipSql('$2', '$3', { day: 'rd.day', week: 'rw.week', month: 'rw.month' })} AS reason
         FROM subscribers s ${freezeCapJoinsSql('$1::uuid', '$3')}
        WHERE s.id = $4::uuid`,
      [thisBlast, priority, orgCap, subscriberId],
    );
    return [freeze.rows[0].reason, loop.rows[0].reason];
  }

  type Expected = string | null | [string | null, string | null];
  const cases: [string, string, () => { hoursAgo: number; status?: string; ownBlast?: boolean }[], 'normal' | 'important', number | null, Expected][] = [
    ['`all` receives everything without an org cap', 'all', () => [...times(5, 1), ...times(4, 72), ...times(21, 24 * 20)], 'normal', null, null],
    ['weekly with nothing recent', 'weekly', () => [], 'normal', null, null],
    ['weekly: one blast in the last 7 days caps even an important one', 'weekly', () => times(1, 72), 'important', null, 'frequency_cap'],
    ['weekly: blasts 8–29 days ago do not count', 'weekly', () => times(3, 24 * 10), 'normal', null, null],
    ['monthly: one in the last 30 days caps', 'monthly', () => times(1, 24 * 20), 'normal', null, 'frequency_cap'],
    ['monthly: one 31 days ago does not', 'monthly', () => times(1, 24 * 31), 'normal', null, null],
    ['important_only refuses a normal blast', 'important_only', () => [], 'normal', null, 'frequency_cap'],
    ['important_only takes an important one', 'important_only', () => [], 'important', null, null],
    ['the org cap applies to everyone at its limit', 'all', () => times(2, 2), 'important', 2, 'org_cap'],
    ['the org cap counts 24 hours only', 'all', () => [...times(1, 2), ...times(1, 30)], 'important', 2, null],
    // The freeze counts another blast's frozen-but-unsent row (two concurrent blasts cannot both take a weekly
    // person); the send loop counts only sending/sent, so two blasts pending for one person cannot skip each other.
    ['a pending delivery of another blast: caps at freeze, not in the send loop', 'weekly', () => times(1, 1, 'pending'), 'normal', null, ['frequency_cap', null]],
    ['a delivery being sent caps in both', 'weekly', () => times(1, 1, 'sending'), 'normal', null, 'frequency_cap'],
    ['skipped and failed deliveries do not count', 'weekly', () => [...times(1, 1, 'skipped'), ...times(1, 1, 'failed')], 'normal', null, null],
    ['the blast itself never counts against itself', 'weekly', () => [{ hoursAgo: 1, ownBlast: true }], 'normal', null, null],
  ];

  it.each(cases)('%s', async (_title, frequency, deliveries, priority, orgCap, expected) => {
    const id = await person(frequency, deliveries());
    expect(await reasons(id, priority, orgCap)).toEqual(Array.isArray(expected) ? expected : [expected, expected]);
  });
});
