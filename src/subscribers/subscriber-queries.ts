import { Subscriber } from './subscriber.entity';

/** Columns of `subscribers` as the entity names them; RETURNING/SELECT lists use this to map rows. */
export const SUBSCRIBER_COLUMNS = `id, email, first_name, last_name, zip, state, tags, custom_fields, status, frequency, source,
  consent_at, consent_source, consent_text, unsubscribed_at, unsubscribed_blast_id, erased_at, created_at, updated_at`;

export interface SubscriberRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  zip: string | null;
  state: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  status: Subscriber['status'];
  frequency: Subscriber['frequency'];
  source: string | null;
  consent_at: Date | null;
  consent_source: string | null;
  consent_text: string | null;
  unsubscribed_at: Date | null;
  unsubscribed_blast_id: string | null;
  erased_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function rowToSubscriber(r: SubscriberRow): Subscriber {
  return Object.assign(new Subscriber(), {
    id: r.id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    zip: r.zip,
    state: r.state,
    tags: r.tags ?? [],
    customFields: r.custom_fields ?? {},
    status: r.status,
    frequency: r.frequency,
    source: r.source,
    consentAt: r.consent_at,
    consentSource: r.consent_source,
    consentText: r.consent_text,
    unsubscribedAt: r.unsubscribed_at,
    unsubscribedBlastId: r.unsubscribed_blast_id,
    erasedAt: r.erased_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

/** Union of two tag arrays, de-duplicated, order of first appearance kept. */
export const MERGE_TAGS_SQL = (a: string, b: string) =>
  `ARRAY(SELECT t FROM unnest(${a} || ${b}) WITH ORDINALITY AS u(t, n) GROUP BY t ORDER BY min(n))`;

/** Consent is recorded on a resubscribe, or on a mailable row that has none yet. */
const RECORD_CONSENT = `((s.status = 'unsubscribed' AND $16::boolean) OR (s.consent_at IS NULL AND s.status IN ('subscribed', 'unconfirmed')))`;

/**
 * SUB-3 upsert in one statement (safe under concurrent identical calls: the unique index on lower(email) decides).
 *
 * $1 email, $2 first_name, $3 last_name, $4 zip, $5 state, $6 tags, $7 custom_fields, $8 source,
 * $9 status for a new row / a resubscribe ('subscribed'|'unconfirmed'), $10 subscribe (bool),
 * $11 fresh consent (bool), $12 consent_at, $13 consent_source, $14 consent_text, $15 suppression hashes (text[]),
 * $16 resubscribe (bool): an explicit opt-in by the person moves `unsubscribed` back to $9; $17 frequency (NULL keeps).
 *
 * - No row yet: inserted only when `subscribe` and (not suppressed, or fresh consent).
 * - Existing row: given profile fields overwrite (NULL keeps), tags are added, custom fields merged;
 *   status changes only unsubscribed → $9 when $16 (and, for a suppressed address, fresh consent).
 *   bounced/complained/unconfirmed/subscribed rows keep their status.
 * - Fresh consent lifts an `erased` suppression of this address (a complaint's suppression stays).
 * Returns the row with `created` (xmax = 0 on a fresh insert) and `previous_status`.
 */
export const UPSERT_SUBSCRIBER_SQL = `
WITH supp AS (
  SELECT EXISTS (SELECT 1 FROM suppressions WHERE email_hash = ANY($15::text[])) AS suppressed
), lifted AS (
  DELETE FROM suppressions WHERE $11::boolean AND reason = 'erased' AND email_hash = ANY($15::text[]) RETURNING 1
), ins AS (
  INSERT INTO subscribers AS s (email, first_name, last_name, zip, state, tags, custom_fields, status, source,
                                consent_at, consent_source, consent_text, frequency)
  SELECT $1, $2, $3, $4, $5, COALESCE($6::text[], '{}'), COALESCE($7::jsonb, '{}'), $9, $8, $12, $13, $14, COALESCE($17, 'all')
  FROM supp WHERE $10::boolean AND (NOT supp.suppressed OR $11::boolean)
  ON CONFLICT ((lower(email))) DO UPDATE SET
    first_name = COALESCE(EXCLUDED.first_name, s.first_name),
    last_name = COALESCE(EXCLUDED.last_name, s.last_name),
    zip = COALESCE(EXCLUDED.zip, s.zip),
    state = COALESCE(EXCLUDED.state, s.state),
    tags = CASE WHEN $6::text[] IS NULL THEN s.tags ELSE ${MERGE_TAGS_SQL('s.tags', 'EXCLUDED.tags')} END,
    custom_fields = s.custom_fields || EXCLUDED.custom_fields,
    frequency = COALESCE($17, s.frequency),
    status = CASE WHEN s.status = 'unsubscribed' AND $16::boolean THEN EXCLUDED.status ELSE s.status END,
    consent_at = CASE WHEN ${RECORD_CONSENT} THEN EXCLUDED.consent_at ELSE s.consent_at END,
    consent_source = CASE WHEN ${RECORD_CONSENT} THEN EXCLUDED.consent_source ELSE s.consent_source END,
    consent_text = CASE WHEN ${RECORD_CONSENT} THEN EXCLUDED.consent_text ELSE s.consent_text END,
    unsubscribed_at = CASE WHEN s.status = 'unsubscribed' AND $16::boolean THEN NULL ELSE s.unsubscribed_at END,
    unsubscribed_blast_id = CASE WHEN s.status = 'unsubscribed' AND $16::boolean THEN NULL ELSE s.unsubscribed_blast_id END,
    updated_at = now()
  RETURNING ${SUBSCRIBER_COLUMNS}, (xmax = 0) AS created
), old AS (
  -- the statement's snapshot: the status before this upsert (RETURNING only shows the new one)
  SELECT status FROM subscribers WHERE lower(email) = lower($1)
)
SELECT ins.*, (SELECT status FROM old) AS previous_status, (SELECT count(*) FROM lifted)::int AS lifted FROM ins`;

/**
 * Profile-only update of an existing row (no status change) — used when the caller asked for no subscription,
 * or when a suppressed address came without fresh consent. Same field rules as the upsert.
 * $1 email, $2 first_name, $3 last_name, $4 zip, $5 state, $6 tags, $7 custom_fields.
 */
export const UPDATE_PROFILE_BY_EMAIL_SQL = `
WITH u AS (
UPDATE subscribers AS s SET
  first_name = COALESCE($2, s.first_name),
  last_name = COALESCE($3, s.last_name),
  zip = COALESCE($4, s.zip),
  state = COALESCE($5, s.state),
  tags = CASE WHEN $6::text[] IS NULL THEN s.tags ELSE ${MERGE_TAGS_SQL('s.tags', '$6::text[]')} END,
  custom_fields = s.custom_fields || COALESCE($7::jsonb, '{}'),
  updated_at = now()
WHERE lower(s.email) = lower($1)
RETURNING ${SUBSCRIBER_COLUMNS}
) SELECT * FROM u`; // wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count]

export interface SubscriberFilter {
  status?: string;
  tag?: string;
  state?: string;
  q?: string;
  /** Leave out unsubscribed/bounced/complained (export default). */
  mailableOnly?: boolean;
}

/**
 * WHERE clause of the organizer filters (SUB-6), parameters appended to `params`. Erased rows never match.
 * Index use: tag → subscribers_tags_gin; state/status with status = 'subscribed' → the partial indexes; the keyset
 * order (created_at DESC, id DESC) → subscribers_created_id_idx. `q` is a contains-search (sequential scan).
 */
export function subscriberFilterSql(f: SubscriberFilter, params: unknown[], alias = 's'): string {
  const where = [`${alias}.erased_at IS NULL`];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.status) where.push(`${alias}.status = ${p(f.status)}`);
  if (f.mailableOnly) where.push(`${alias}.status IN ('subscribed', 'unconfirmed')`);
  if (f.tag) where.push(`${alias}.tags @> ARRAY[${p(f.tag)}::text]`);
  if (f.state) where.push(`${alias}.state = ${p(f.state)}`);
  if (f.q) {
    const like = p(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(${alias}.email ILIKE ${like} OR ${alias}.first_name ILIKE ${like} OR ${alias}.last_name ILIKE ${like}
      OR (${alias}.first_name || ' ' || ${alias}.last_name) ILIKE ${like})`);
  }
  return where.join(' AND ');
}

/** What an address in free text becomes when its owner is erased (SUB-5). */
export const ADDRESS_REMOVED = '[address removed]';

/**
 * A regular expression (PostgreSQL ARE, used case-insensitively) matching, in free text such as an SMTP reply or a
 * bounce report, anything that looks like an address and the erased address' local part on its own (remote servers
 * write `<alex.rivera>: user unknown`, `alex.rivera@example.org`, `rfc822;Alex.Rivera@…`). Local parts shorter than
 * 3 characters are left alone (they would match ordinary words).
 */
export function erasedAddressPattern(email: string): string {
  const local = email.slice(0, Math.max(0, email.lastIndexOf('@')));
  const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const anyAddress = `[^[:space:]<>"',;:()\\[\\]]+@[^[:space:]<>"',;:()\\[\\]]+`;
  return local.length >= 3 ? `${anyAddress}|${escape(local)}` : anyAddress;
}

/** `column` with every match of the pattern in parameter `patternParam` replaced (see erasedAddressPattern). */
export const scrubAddressSql = (column: string, patternParam: string) =>
  `regexp_replace(${column}, ${patternParam}, '${ADDRESS_REMOVED}', 'gi')`;
