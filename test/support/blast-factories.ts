import type { TestApp } from './app';

/** Plain factories for blast tests: subscribers straight into SQL, settings and blasts through the API. */

export const SENATE_ACTION_HTML = `<!doctype html>
<html><body>
<p>{{default firstName "Friend"}},</p>
<p>For the third week running, the Senate's leadership has refused to schedule a vote on the Election Security Act.
The bill has the votes to pass. What it does not have is a place on the calendar.</p>
<p>{{#if state}}Your senators from {{state}} can change that.{{else}}Your two senators can change that.{{/if}}
A leader who hears from enough constituents schedules the vote; one who hears nothing keeps stalling.</p>
<p><a href="https://act.example.org/sign/election-security">Sign the petition to Senate leadership</a></p>
<p>Then call the Capitol switchboard at (202) 224-3121 and ask for your senators' offices.</p>
<p><a href="https://act.example.org/donate">Chip in $5 to keep this campaign on the air</a> (contributions are limited to $3,500 per person per election).</p>
<p>Thank you for standing up,<br>The Stop the Stall team</p>
</body></html>`;

export const ORG_SETTINGS = {
  legalName: 'Stop the Stall PAC',
  postalAddress: 'PO Box 1234\nDenver, CO 80201',
  sendingDomain: 'mail.stopthestall.example',
  defaultFromName: 'Stop the Stall',
  defaultFromEmail: 'action@mail.stopthestall.example',
  defaultReplyTo: 'team@stopthestall.example',
  disclaimerKind: 'not_authorized',
  nonDeductibleNotice: true,
  extraNotices: ['Federal law requires us to use our best efforts to collect and report the name, mailing address, occupation and employer of individuals whose contributions exceed $200 in an election cycle.'],
};

export async function configureOrganization(t: TestApp, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await t.request('PATCH', '/api/v1/settings', { body: { ...ORG_SETTINGS, ...extra } });
  if (res.status !== 200) throw new Error(`settings: ${res.status} ${res.text}`);
}

export interface SubscriberSpec {
  email?: string;
  firstName?: string | null;
  lastName?: string | null;
  zip?: string | null;
  state?: string | null;
  status?: string;
  frequency?: string;
  tags?: string[];
}

let seq = 0;

/** Inserts subscribers and returns their ids (in order). */
export async function insertSubscribers(t: TestApp, specs: SubscriberSpec[]): Promise<string[]> {
  const ids: string[] = [];
  for (const s of specs) {
    const email = s.email ?? `supporter${++seq}.${Date.now().toString(36)}@example.org`;
    const [row] = await t.query(
      `INSERT INTO subscribers (email, first_name, last_name, zip, state, status, frequency, tags)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [email, s.firstName ?? null, s.lastName ?? null, s.zip ?? null, s.state ?? null, s.status ?? 'subscribed', s.frequency ?? 'all', s.tags ?? []],
    );
    ids.push(row.id);
  }
  return ids;
}

/** `n` subscribed people with addresses `<prefix>-<i>@example.org`, set-based. */
export async function insertManySubscribers(t: TestApp, n: number, prefix: string, frequency = 'all'): Promise<string[]> {
  const rows = await t.query(
    `INSERT INTO subscribers (email, first_name, frequency)
     SELECT $1 || '-' || i || '@example.org', CASE WHEN i % 3 = 0 THEN NULL ELSE 'Person' || i END, $3
       FROM generate_series(1, $2::int) i RETURNING id`,
    [prefix, n, frequency],
  );
  return rows.map((r: { id: string }) => r.id);
}

export async function createBlast(t: TestApp, body: Record<string, unknown> = {}): Promise<{ id: string; [k: string]: unknown }> {
  const res = await t.request('POST', '/api/v1/blasts', {
    body: {
      name: 'Stop the stall',
      subject: '{{default firstName "Friend"}}, the Senate is stalling again',
      preheader: 'Two minutes: tell them to schedule the vote',
      htmlBody: SENATE_ACTION_HTML,
      ...body,
    },
  });
  if (res.status !== 201) throw new Error(`create blast: ${res.status} ${res.text}`);
  return res.body;
}

/** Polls until the blast reaches `status` (or throws after `timeoutMs`). */
export async function waitForStatus(t: TestApp, id: string, status: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [b] = await t.query(`SELECT status FROM blasts WHERE id = $1`, [id]);
    if (b?.status === status) return;
    if (Date.now() > deadline) throw new Error(`blast ${id}: expected ${status}, still ${b?.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function sendBlast(t: TestApp, id: string): Promise<void> {
  const res = await t.request('POST', `/api/v1/blasts/${id}/send`);
  if (res.status !== 202) throw new Error(`send blast: ${res.status} ${res.text}`);
}

export async function deliveries(t: TestApp, blastId: string): Promise<{ subscriber_id: string; status: string; skip_reason: string | null }[]> {
  return t.query(`SELECT subscriber_id, status, skip_reason FROM blast_deliveries WHERE blast_id = $1 ORDER BY subscriber_id`, [blastId]);
}
