/**
 * Blast set-up and observation for the PERF-1/PERF-2 benches and the REL-1 drills: seeding subscribers set-based,
 * the organization settings a blast needs, creating and sending a blast through the organizer API, and reading the
 * ledger until every row is final.
 */
/** A pg Client or Pool: the drills use a Pool, which reconnects after PostgreSQL restarts. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}
import { ORG_SETTINGS as TEST_ORG_SETTINGS, SENATE_ACTION_HTML } from '../../test/support/blast-factories';
import { ADMIN_KEY, sleep } from './bench-process';

const { extraNotices: _notices, ...testOrganization } = TEST_ORG_SETTINGS;
/** The e2e tests' organization without their extra notice, and no org-wide cap (benches send blast after blast). */
export const ORG_SETTINGS = { ...testOrganization, orgCapPerDay: null };

/** The e2e tests' US Senate campaign action email (merge fields with fallbacks, a call to action, a donation ask). */
export const ACTION_EMAIL = {
  name: 'Bench: stop the stall',
  subject: '{{default firstName "Friend"}}, the Senate is stalling again',
  preheader: 'Two minutes: tell them to schedule the vote',
  htmlBody: SENATE_ACTION_HTML,
};

export function organizerApi(port: number) {
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** `n` subscribed people `<prefix>-<i>@example.org` (a third without a first name, a mix of states), set-based. */
export async function seedSubscribers(db: Queryable, n: number, prefix: string): Promise<void> {
  const step = 250_000;
  for (let from = 1; from <= n; from += step) {
    const to = Math.min(n, from + step - 1);
    await db.query(
      `INSERT INTO subscribers (email, first_name, last_name, zip, state, status, frequency, source)
       SELECT $1 || '-' || i || '@example.org',
              CASE WHEN i % 3 = 0 THEN NULL ELSE 'Person' || i END, 'Supporter',
              (ARRAY['80202','57104','10001','60601','94105'])[1 + i % 5], (ARRAY['CO','SD','NY','IL','CA'])[1 + i % 5],
              'subscribed', 'all', 'bench'
         FROM generate_series($2::int, $3::int) i`,
      [prefix, from, to],
    );
  }
  await db.query('ANALYZE subscribers');
}

export async function createBlast(api: ReturnType<typeof organizerApi>, extra: Record<string, unknown> = {}): Promise<string> {
  const blast = await api('POST', '/api/v1/blasts', { ...ACTION_EMAIL, ...extra });
  return blast.id as string;
}

export interface LedgerCounts {
  total: number;
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  other: number;
  possibleDuplicates: number;
  status: string;
}

export async function ledger(db: Queryable, blastId: string): Promise<LedgerCounts> {
  const [row] = (
    await db.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE d.status = 'pending')::int AS pending,
              count(*) FILTER (WHERE d.status = 'sending')::int AS sending,
              count(*) FILTER (WHERE d.status = 'sent')::int AS sent,
              count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE d.status = 'skipped')::int AS skipped,
              count(*) FILTER (WHERE d.status NOT IN ('pending', 'sending', 'sent', 'failed', 'skipped'))::int AS other,
              count(*) FILTER (WHERE d.possible_duplicate)::int AS "possibleDuplicates",
              (SELECT status FROM blasts WHERE id = $1) AS status
         FROM blast_deliveries d WHERE d.blast_id = $1`,
      [blastId],
    )
  ).rows;
  return row as LedgerCounts;
}

/**
 * Polls until the blast is `sent` and no ledger row is pending or sending; returns when that was first seen.
 * `onTick` runs after each poll (progress, RSS samples). Polls a cheap status read often and the ledger rarely.
 */
export async function waitUntilSent(
  db: Queryable,
  blastId: string,
  opts: { timeoutMs: number; everyMs?: number; onTick?: (status: string) => void | Promise<void> },
): Promise<number> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const { rows } = await db.query(`SELECT status FROM blasts WHERE id = $1`, [blastId]).catch(() => ({ rows: [] as { status: string }[] }));
    const status = rows[0]?.status ?? 'unknown';
    await opts.onTick?.(status);
    if (status === 'sent') {
      const l = await ledger(db, blastId);
      if (l.pending === 0 && l.sending === 0) return Date.now();
    }
    if (['cancelled', 'paused'].includes(status)) throw new Error(`blast ${blastId} is ${status}`);
    if (Date.now() > deadline) throw new Error(`blast ${blastId} not sent within ${opts.timeoutMs} ms (status ${status})`);
    await sleep(opts.everyMs ?? 100);
  }
}

/** Lost = subscribed recipients of the frozen audience who never reached the sink; extra = copies beyond the first. */
export async function reconcileWithSink(
  db: Queryable,
  blastId: string,
  received: Map<string, number>,
): Promise<{ audience: number; lost: number; duplicated: number; extra: number; unexpected: number }> {
  const { rows } = await db.query(
    `SELECT lower(s.email) AS email FROM blast_deliveries d JOIN subscribers s ON s.id = d.subscriber_id
      WHERE d.blast_id = $1 AND d.status = 'sent'`,
    [blastId],
  );
  const expected = new Set(rows.map((r) => r.email as string));
  let lost = 0;
  for (const e of expected) if (!received.has(e)) lost++;
  let duplicated = 0;
  let extra = 0;
  let unexpected = 0;
  for (const [e, c] of received) {
    if (!expected.has(e)) unexpected++;
    if (c > 1) {
      duplicated++;
      extra += c - 1;
    }
  }
  return { audience: expected.size, lost, duplicated, extra, unexpected };
}
