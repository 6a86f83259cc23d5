import { randomBytes, randomUUID } from 'node:crypto';
import type { TestApp } from './app';

let n = 0;

/** A subscriber row for preference tests (inserted directly: set-up, not the behaviour under test). */
export async function insertPreferenceSubscriber(
  t: TestApp,
  fields: Partial<{ email: string; status: string; frequency: string }> = {},
): Promise<{ id: string; email: string }> {
  const email = fields.email ?? `pref.${Date.now().toString(36)}${(++n).toString(36)}${randomBytes(2).toString('hex')}@example.org`;
  const [row] = await t.query<{ id: string }>(
    `INSERT INTO subscribers (email, status, frequency, source) VALUES ($1, $2, $3, 'test') RETURNING id`,
    [email, fields.status ?? 'subscribed', fields.frequency ?? 'all'],
  );
  return { id: row.id, email };
}

export async function insertTopic(t: TestApp, name = `Topic ${randomBytes(3).toString('hex')}`, description: string | null = null) {
  const [row] = await t.query<{ id: string; name: string }>(
    `INSERT INTO topics (name, description) VALUES ($1, $2) RETURNING id, name`,
    [name, description],
  );
  return row;
}

/** The subscriber's preference-relevant state, for before/after comparisons. */
export async function preferenceState(t: TestApp, id: string) {
  const [row] = await t.query(
    `SELECT status, frequency, unsubscribed_at AS "unsubscribedAt", unsubscribed_blast_id AS "unsubscribedBlastId",
            consent_at AS "consentAt", consent_source AS "consentSource", updated_at AS "updatedAt",
            (SELECT coalesce(array_agg(topic_id::text ORDER BY topic_id), '{}') FROM subscriber_topic_opt_outs WHERE subscriber_id = s.id) AS "optOuts",
            (SELECT count(*)::int FROM unsubscribe_events WHERE subscriber_id = s.id) AS events
       FROM subscribers s WHERE id = $1`,
    [id],
  );
  return row;
}

export const fakeBlastId = () => randomUUID();

/** The path part of an absolute link (the test app listens where PUBLIC_BASE_URL points). */
export const pathOf = (url: string) => new URL(url).pathname;

export const form = (fields: [string, string][]) => new URLSearchParams(fields);
