import { randomBytes } from 'node:crypto';
import type { TestApp } from './app';

let n = 0;

export interface SegmentPersonFields {
  email: string;
  firstName: string | null;
  lastName: string | null;
  zip: string | null;
  state: string | null;
  tags: string[];
  status: string;
  frequency: string;
  source: string | null;
  customFields: Record<string, unknown>;
  createdAt: string;
}

/** A unique address on the reserved example domain. */
export const segmentEmail = (prefix = 'member') =>
  `${prefix}.${Date.now().toString(36)}${(++n).toString(36)}${randomBytes(2).toString('hex')}@example.org`;

/** Inserts one subscriber with every field a segment rule can read (direct SQL: fixtures, not the API under test). */
export async function insertSegmentPerson(t: TestApp, fields: Partial<SegmentPersonFields> = {}): Promise<string> {
  const [row] = await t.query<{ id: string }>(
    `INSERT INTO subscribers (email, first_name, last_name, zip, state, tags, status, frequency, source, custom_fields, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11::timestamptz, now())) RETURNING id`,
    [
      fields.email ?? segmentEmail(),
      fields.firstName ?? null,
      fields.lastName ?? null,
      fields.zip ?? null,
      fields.state ?? null,
      fields.tags ?? [],
      fields.status ?? 'subscribed',
      fields.frequency ?? 'all',
      fields.source ?? null,
      JSON.stringify(fields.customFields ?? {}),
      fields.createdAt ?? null,
    ],
  );
  return row.id;
}

export async function insertTopic(t: TestApp, name = `Topic ${++n} ${randomBytes(2).toString('hex')}`): Promise<string> {
  const [row] = await t.query<{ id: string }>(`INSERT INTO topics (name) VALUES ($1) RETURNING id`, [name]);
  return row.id;
}

export async function optOutOfTopic(t: TestApp, subscriberId: string, topicId: string): Promise<void> {
  await t.query(`INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) VALUES ($1, $2)`, [subscriberId, topicId]);
}

/** A blast row and its delivery rows (status per subscriber), inserted directly: the segment `received` rule reads them. */
export async function insertBlastWithDeliveries(t: TestApp, deliveries: Record<string, string>, segmentId: string | null = null): Promise<string> {
  const [blast] = await t.query<{ id: string }>(
    `INSERT INTO blasts (name, subject, html_body, segment_id) VALUES ('Segment fixture', 'Act now', '<p>Hi</p>', $1) RETURNING id`,
    [segmentId],
  );
  for (const [subscriberId, status] of Object.entries(deliveries)) {
    await t.query(`INSERT INTO blast_deliveries (blast_id, subscriber_id, status) VALUES ($1, $2, $3)`, [blast.id, subscriberId, status]);
  }
  return blast.id;
}

/**
 * A petition and signatures (subscriber id → signed at), inserted directly: the `signed` / `signedAnySince` rules
 * read them. `anonymous` adds signatures with no subscriber (signers who did not opt in).
 */
export async function insertPetitionWithSignatures(t: TestApp, slug: string, signatures: Record<string, string>, anonymous = 0): Promise<string> {
  const [petition] = await t.query<{ id: string }>(
    `INSERT INTO petitions (slug, title, opt_in_text) VALUES ($1, 'Segment fixture petition', 'Email me updates') RETURNING id`,
    [slug],
  );
  for (const [subscriberId, signedAt] of Object.entries(signatures)) {
    await t.query(
      `INSERT INTO petition_signatures (petition_id, subscriber_id, email, created_at)
       SELECT $1, id, email, $3 FROM subscribers WHERE id = $2`,
      [petition.id, subscriberId, signedAt],
    );
  }
  for (let i = 0; i < anonymous; i++) {
    await t.query(`INSERT INTO petition_signatures (petition_id, email) VALUES ($1, $2)`, [petition.id, segmentEmail('anonymous')]);
  }
  return petition.id;
}
