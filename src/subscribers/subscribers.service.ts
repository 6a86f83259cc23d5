import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Env } from '../core/config/env';
import { MailService } from '../core/mail/mail.service';
import { normalizeEmail } from '../core/mail/email-address';
import {
  cleanCustomFields,
  cleanEmail,
  cleanName,
  cleanState,
  cleanTags,
  cleanZip,
  CONSENT_TEXT_MAX_LENGTH,
  FieldError,
  orBadRequest,
  resolveState,
  SOURCE_MAX_LENGTH,
} from './subscriber-fields';
import {
  MERGE_TAGS_SQL,
  rowToSubscriber,
  SUBSCRIBER_COLUMNS,
  SubscriberFilter,
  subscriberFilterSql,
  SubscriberRow,
  UPDATE_PROFILE_BY_EMAIL_SQL,
  UPSERT_SUBSCRIBER_SQL,
} from './subscriber-queries';
import { FREQUENCIES, Frequency, Subscriber, SubscriberStatus } from './subscriber.entity';
import { stateForZip } from './zip-states';
import { isUniqueViolation } from '../core/database/database-errors';
import { isUuid } from '../core/http/uuid';
import { cursorTimestampSql, decodeCursor, encodeCursor } from '../core/database/keyset-cursor';

export { normalizeEmail } from '../core/mail/email-address';

/** How and when a person agreed to receive mail (COMP-4), recorded on the subscriber. */
export interface ConsentInput {
  /** How the consent was given, e.g. `petition:stop-the-filibuster`, `import:<id>`, `organizer`. */
  source: string;
  /** The wording the person agreed to, or the legal basis. */
  text: string;
  at?: Date;
}

export interface UpsertSubscriberInput {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  zip?: string | null;
  state?: string | null;
  tags?: string[];
  customFields?: Record<string, unknown>;
  /** Where the person came from (`api`, `petition:<slug>`, `import:<id>`); kept on new rows. */
  source: string;
  /** The person (or the organizer on their behalf) asks for the list. False: profile update of a known address only. */
  subscribe: boolean;
  /**
   * Whether an explicit opt-in moves an `unsubscribed` row back (default: same as `subscribe`). The organizer API
   * and imports pass false: re-adding a person never resubscribes them (SUB-3); petitions with opt-in keep true.
   */
  resubscribe?: boolean;
  /** PREF-2 frequency of a new row, or the new frequency of an existing one (subscribe: true only). */
  frequency?: Frequency;
  /** Status of a new row or a resubscribe; default `subscribed` (`unconfirmed` under double opt-in). */
  status?: 'subscribed' | 'unconfirmed';
  /**
   * The consent record. With `subscribe: true` its presence is *fresh consent*: it may resubscribe an erased
   * (suppressed) address. Without it, a suppressed address is never (re)subscribed.
   */
  consent?: ConsentInput;
}

/**
 * The result of an upsert. `subscriber` is null when nothing was created: the address is unknown and the caller
 * did not ask for a subscription (`not_subscribed`), or it is suppressed and no fresh consent was given
 * (`suppressed`).
 */
export type UpsertSubscriberResult =
  | { subscriber: Subscriber; created: boolean; previousStatus: SubscriberStatus | null; skipped?: undefined }
  | { subscriber: null; created: false; previousStatus: null; skipped: 'not_subscribed' | 'suppressed' };

/** Statuses that never receive anything, not even transactional mail (PREF-5). */
const NEVER_MAIL_STATUSES = ['bounced', 'complained'];

/** Suppression keys are derived from the token secret, never equal to it (one key per purpose). */
const SUPPRESSION_KEY_LABEL = 'cloture/suppression-hash/v1';

@Injectable()
export class SubscribersService {
  private readonly logger = new Logger(SubscribersService.name);
  private readonly erasureHooks = new Map<string, ErasureHook>();

  /** Current key first, then keys of previous TOKEN_SECRETs (for set-based SQL: pgcrypto hmac). */
  readonly suppressionKeys: readonly Buffer[];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    env: Env,
    private readonly mail: MailService,
  ) {
    this.suppressionKeys = [env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS].map((secret) =>
      createHmac('sha256', secret).update(SUPPRESSION_KEY_LABEL).digest(),
    );
    mail.registerRecipientCheck((id) => this.transactionalSkipReason(id));
  }

  /**
   * Why transactional mail queued for this person must not go now: erased since (SUB-5), or bounced/complained —
   * those receive nothing at all (PREF-5). Null when it may go (or the person is unknown: the address decides).
   */
  async transactionalSkipReason(id: string): Promise<string | null> {
    const [row]: { status: string; erased: boolean }[] = await this.db.query(
      'SELECT status, erased_at IS NOT NULL AS erased FROM subscribers WHERE id = $1', // primary key
      [id],
    );
    if (!row) return null;
    if (row.erased) return 'erased';
    return NEVER_MAIL_STATUSES.includes(row.status) ? row.status : null;
  }

  /** The key of the current suppression hash (for set-based SQL: pgcrypto `hmac(lower(email), key, 'sha256')`). */
  get suppressionKey(): Buffer {
    return this.suppressionKeys[0];
  }

  /** HMAC-SHA256 (hex) of the normalized, lower-cased address under the current key. */
  suppressionHash(email: string): string {
    return this.hashWith(this.suppressionKeys[0], email);
  }

  /** Hashes under the current and previous secrets, so suppressions survive a TOKEN_SECRET rotation. */
  suppressionHashes(email: string): string[] {
    return this.suppressionKeys.map((k) => this.hashWith(k, email));
  }

  private hashWith(key: Buffer, email: string): string {
    return createHmac('sha256', key).update(normalizeEmail(email).toLowerCase(), 'utf8').digest('hex');
  }

  async isSuppressed(email: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM suppressions WHERE email_hash = ANY($1::text[]) LIMIT 1`, [
      this.suppressionHashes(email),
    ]);
    return rows.length > 0;
  }

  /** Records a suppression (idempotent). A complaint's reason is never downgraded to another reason. */
  async suppress(email: string, reason: string, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(
      `INSERT INTO suppressions (email_hash, reason) VALUES ($1, $2)
       ON CONFLICT (email_hash) DO UPDATE SET reason = CASE WHEN suppressions.reason = 'complained' THEN suppressions.reason ELSE EXCLUDED.reason END`,
      [this.suppressionHash(email), reason],
    );
  }

  async findByEmail(email: string, manager: EntityManager = this.db.manager): Promise<Subscriber | null> {
    const rows: SubscriberRow[] = await manager.query(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE lower(email) = lower($1)`, // subscribers_email_lower_key
      [normalizeEmail(email)],
    );
    return rows[0] ? rowToSubscriber(rows[0]) : null;
  }

  async findById(id: string, manager: EntityManager = this.db.manager): Promise<Subscriber | null> {
    if (!isUuid(id)) return null;
    const rows: SubscriberRow[] = await manager.query(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1`, [id]);
    return rows[0] ? rowToSubscriber(rows[0]) : null;
  }

  /**
   * Create-or-update by email (SUB-3) in one atomic statement. Rules:
   * - never changes the status of an existing row, except `unsubscribed` → subscribed/unconfirmed when the caller
   *   passes `subscribe: true` (an explicit opt-in by the person; `resubscribe: false` turns this off), recording
   *   the consent; bounced/complained never change;
   * - `subscribe: false` never creates a row (result `{ subscriber: null, skipped: 'not_subscribed' }`) but
   *   updates the profile of a known address;
   * - a suppressed (erased) address is subscribed again only with fresh consent (`subscribe: true` AND `consent`);
   *   otherwise nothing is created (`skipped: 'suppressed'`). Fresh consent lifts the erasure's suppression.
   * - profile fields given overwrite, null/undefined keep; tags are added; custom fields merged; state derived
   *   from the ZIP when not given.
   * Invalid input → 400 naming the field.
   */
  async upsertByEmail(input: UpsertSubscriberInput, manager: EntityManager = this.db.manager): Promise<UpsertSubscriberResult> {
    const p = orBadRequest(() => this.cleanUpsert(input));
    const params = [p.email, p.firstName ?? null, p.lastName ?? null, p.zip ?? null, p.state ?? null, p.tags ?? null,
      p.customFields ? JSON.stringify(p.customFields) : null];
    if (input.subscribe) {
      const fresh = !!p.consent;
      const consentAt = p.consent?.at ?? new Date();
      const rows: (SubscriberRow & { created: boolean; previous_status: SubscriberStatus | null })[] = await manager.query(
        UPSERT_SUBSCRIBER_SQL,
        [...params, p.source, p.status, true, fresh, consentAt, p.consent?.source ?? p.source, p.consent?.text ?? null,
          this.suppressionHashes(p.email), input.resubscribe ?? true, input.frequency ?? null],
      );
      if (rows[0]) {
        return { subscriber: rowToSubscriber(rows[0]), created: rows[0].created, previousStatus: rows[0].created ? null : rows[0].previous_status };
      }
    }
    // No subscription asked for, or a suppressed address without fresh consent: profile of a known row only.
    const rows: SubscriberRow[] = await manager.query(UPDATE_PROFILE_BY_EMAIL_SQL, params);
    if (rows[0]) {
      const s = rowToSubscriber(rows[0]);
      return { subscriber: s, created: false, previousStatus: s.status };
    }
    return { subscriber: null, created: false, previousStatus: null, skipped: input.subscribe ? 'suppressed' : 'not_subscribed' };
  }

  private cleanUpsert(input: UpsertSubscriberInput) {
    const email = cleanEmail(input.email);
    const zip = cleanZip(input.zip);
    const state = resolveState(cleanState(input.state), zip);
    if (typeof input.source !== 'string' || !input.source || input.source.length > SOURCE_MAX_LENGTH) {
      throw new FieldError('source', `must be 1-${SOURCE_MAX_LENGTH} characters`);
    }
    if (input.frequency !== undefined && !(FREQUENCIES as readonly string[]).includes(input.frequency)) {
      throw new FieldError('frequency', `must be one of ${FREQUENCIES.join(', ')}`);
    }
    if (input.status !== undefined && input.status !== 'subscribed' && input.status !== 'unconfirmed') {
      throw new FieldError('status', 'must be subscribed or unconfirmed');
    }
    if (input.consent) {
      if (typeof input.consent.source !== 'string' || !input.consent.source.trim() || input.consent.source.length > SOURCE_MAX_LENGTH) {
        throw new FieldError('consent.source', `must be 1-${SOURCE_MAX_LENGTH} characters`);
      }
      if (typeof input.consent.text !== 'string' || !input.consent.text.trim() || input.consent.text.length > CONSENT_TEXT_MAX_LENGTH) {
        throw new FieldError('consent.text', `must be 1-${CONSENT_TEXT_MAX_LENGTH} characters`);
      }
    }
    return {
      email,
      firstName: cleanName(input.firstName, 'firstName'),
      lastName: cleanName(input.lastName, 'lastName'),
      zip,
      state,
      tags: cleanTags(input.tags),
      customFields: cleanCustomFields(input.customFields),
      source: input.source,
      status: input.status ?? 'subscribed',
      consent: input.consent,
    };
  }

  // ---- Organizer API (SUB-2, SUB-6) -------------------------------------------------------------------------

  async getOrThrow(id: string, manager: EntityManager = this.db.manager): Promise<Subscriber> {
    const s = await this.findById(id, manager);
    if (!s) throw new NotFoundException(`Subscriber ${id} not found`);
    return s;
  }

  /**
   * Profile update by id: given fields overwrite (null clears), tags and custom fields are replaced. A new ZIP
   * without a state re-derives the state. Status is not changed here (see unsubscribe/resubscribe).
   */
  async update(id: string, patch: ProfilePatch): Promise<Subscriber> {
    const current = await this.getOrThrow(id);
    if (current.erasedAt) throw new ConflictException('This subscriber was erased; their data can no longer change');
    const p = orBadRequest(() => ({
      email: patch.email === undefined ? undefined : cleanEmail(patch.email),
      firstName: cleanName(patch.firstName, 'firstName'),
      lastName: cleanName(patch.lastName, 'lastName'),
      zip: cleanZip(patch.zip),
      state: cleanState(patch.state),
      tags: patch.tags === undefined ? undefined : cleanTags(patch.tags) ?? [],
      customFields: patch.customFields === undefined ? undefined : cleanCustomFields(patch.customFields) ?? {},
    }));
    if (p.zip !== undefined && p.state === undefined && p.zip !== null) p.state = stateForZip(p.zip);
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (col: string, v: unknown, cast = '') => sets.push(`${col} = $${params.push(v)}${cast}`);
    if (p.email !== undefined) set('email', p.email);
    if (p.firstName !== undefined) set('first_name', p.firstName);
    if (p.lastName !== undefined) set('last_name', p.lastName);
    if (p.zip !== undefined) set('zip', p.zip);
    if (p.state !== undefined) set('state', p.state);
    if (p.tags !== undefined) set('tags', p.tags, '::text[]');
    if (p.customFields !== undefined) set('custom_fields', JSON.stringify(p.customFields), '::jsonb');
    if (patch.frequency !== undefined) set('frequency', patch.frequency);
    if (!sets.length) return current;
    try {
      const rows: SubscriberRow[] = await this.db.query(
        `WITH u AS (UPDATE subscribers SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${SUBSCRIBER_COLUMNS}) SELECT * FROM u`,
        params,
      );
      if (!rows[0]) throw new NotFoundException(`Subscriber ${id} not found`);
      return rowToSubscriber(rows[0]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictException('Another subscriber already has this email address');
      throw e;
    }
  }

  /** Keyset page, newest first; stable under concurrent inserts (new rows sort before the cursor). */
  async list(filter: SubscriberFilter, limit = 50, cursor?: string): Promise<{ items: Subscriber[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    let where = subscriberFilterSql(filter, params);
    if (cursor) {
      const c = decodeCursor(cursor);
      where += ` AND (s.created_at, s.id) < ($${params.push(c.at)}::timestamptz, $${params.push(c.id)}::uuid)`;
    }
    const rows: (SubscriberRow & { cursor_at: string })[] = await this.db.query(
      `SELECT ${SUBSCRIBER_COLUMNS}, ${cursorTimestampSql('s.created_at')} AS cursor_at
       FROM subscribers s WHERE ${where}
       ORDER BY s.created_at DESC, s.id DESC LIMIT $${params.push(limit + 1)}`, // subscribers_created_id_idx
      params,
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(rowToSubscriber), nextCursor: more && last ? encodeCursor(last.cursor_at, last.id) : null };
  }

  /** Adds or removes tags on the given ids or on everyone matching a filter; returns how many rows changed. */
  async bulkTags(action: 'add' | 'remove', tags: string[], target: { ids?: string[]; filter?: SubscriberFilter }): Promise<number> {
    const clean = orBadRequest(() => cleanTags(tags) ?? []);
    if (!!target.ids === !!target.filter) throw new BadRequestException({ message: 'Give exactly one of ids and filter', details: [{ path: 'ids', message: 'give exactly one of ids and filter' }] });
    const params: unknown[] = [clean];
    const where = target.ids
      ? `s.erased_at IS NULL AND s.id = ANY($${params.push(target.ids)}::uuid[])`
      : subscriberFilterSql(target.filter!, params);
    const sql =
      action === 'add'
        ? `UPDATE subscribers s SET tags = ${MERGE_TAGS_SQL('s.tags', '$1::text[]')}, updated_at = now() WHERE ${where} AND NOT (s.tags @> $1::text[])`
        : `UPDATE subscribers s SET tags = ARRAY(SELECT t FROM unnest(s.tags) WITH ORDINALITY AS u(t, n) WHERE t <> ALL($1::text[]) ORDER BY n),
             updated_at = now() WHERE ${where} AND s.tags && $1::text[]`;
    const [{ count }] = await this.db.query(`WITH u AS (${sql} RETURNING 1) SELECT count(*)::int AS count FROM u`, params);
    this.logger.log(`bulk tags ${action}: ${count} subscribers`);
    return count;
  }

  /** Organizer unsubscribe: subscribed/unconfirmed → unsubscribed (idempotent; bounced/complained stay). */
  async unsubscribe(id: string): Promise<Subscriber> {
    await this.getOrThrow(id);
    await this.db.query(
      `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('subscribed', 'unconfirmed')`,
      [id],
    );
    return this.getOrThrow(id);
  }

  /**
   * Organizer resubscribe of an unsubscribed, bounced, complained or unconfirmed person: needs a consent basis,
   * which is recorded; lifts the address's suppression (complaint or erasure) since the person agreed again.
   */
  async resubscribe(id: string, consent: { source?: string; text: string }): Promise<Subscriber> {
    const current = await this.getOrThrow(id);
    if (current.erasedAt) throw new ConflictException('This subscriber was erased; add the address again with fresh consent');
    if (!consent?.text?.trim()) throw new BadRequestException({ message: 'consent.text: a consent basis is required to resubscribe', details: [{ path: 'consent.text', message: 'required' }] });
    if (current.status === 'subscribed') return current;
    await this.db.transaction(async (m) => {
      await m.query(
        `UPDATE subscribers SET status = 'subscribed', consent_at = now(), consent_source = $2, consent_text = $3,
           unsubscribed_at = NULL, unsubscribed_blast_id = NULL, updated_at = now() WHERE id = $1`,
        [id, consent.source ?? 'organizer', consent.text.trim()],
      );
      await m.query(`DELETE FROM suppressions WHERE email_hash = ANY($1::text[])`, [this.suppressionHashes(current.email)]);
    });
    this.logger.log(`subscriber ${id} resubscribed from ${current.status}`);
    return this.getOrThrow(id);
  }

  /**
   * Lets another module scrub its own personal data when a subscriber is erased: `hook(subscriberId, manager)` runs
   * inside the erasure's transaction (throwing aborts the erasure). Register once, e.g. in onModuleInit; the name
   * keeps a second registration from running twice.
   */
  registerErasureHook(name: string, hook: ErasureHook): void {
    this.erasureHooks.set(name, hook);
  }

  /**
   * Erase (SUB-5): personal data replaced, the row kept (delivery and signature history stay consistent) with a
   * placeholder address; a keyed hash of the address goes to `suppressions` so the address stays suppressed for
   * later imports, upserts and signatures unless the person gives fresh consent. Idempotent.
   */
  async erase(id: string): Promise<Subscriber> {
    let address: string | null = null;
    const erased = await this.db.transaction(async (m) => {
      const rows: SubscriberRow[] = await m.query(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1 FOR UPDATE`, [id]);
      if (!rows[0]) throw new NotFoundException(`Subscriber ${id} not found`);
      if (rows[0].erased_at) return rowToSubscriber(rows[0]);
      address = rows[0].email;
      await this.suppress(rows[0].email, rows[0].status === 'complained' ? 'complained' : 'erased', m);
      await m.query(`DELETE FROM subscriber_topic_opt_outs WHERE subscriber_id = $1`, [id]);
      // Other modules scrub what they hold about the person (signature names, comments…) in the same transaction.
      for (const hook of this.erasureHooks.values()) await hook(id, m, rows[0].email);
      const [row]: SubscriberRow[] = await m.query(
        `WITH u AS (UPDATE subscribers SET email = 'erased+' || id || '@erased.invalid', first_name = NULL, last_name = NULL,
           zip = NULL, state = NULL, tags = '{}', custom_fields = '{}', source = NULL, consent_text = NULL,
           consent_source = NULL, consent_at = NULL,
           status = CASE WHEN status IN ('bounced', 'complained') THEN status ELSE 'unsubscribed' END,
           unsubscribed_at = COALESCE(unsubscribed_at, now()), erased_at = now(), updated_at = now()
         WHERE id = $1 RETURNING ${SUBSCRIBER_COLUMNS}) SELECT * FROM u`,
        [id],
      );
      return rowToSubscriber(row);
    });
    // Queued mail holds the address too (Redis): forgotten once the erasure is committed.
    const removed = await (address ? this.mail.forgetRecipient(address, id) : Promise.resolve(0)).catch((e: Error) => {
      this.logger.warn(`subscriber ${id} erased, but queued mail could not be checked: ${e.message}`);
      return 0;
    });
    this.logger.log(`subscriber ${id} erased${removed ? `; ${removed} queued message(s) withdrawn` : ''}`);
    return erased;
  }
}

/** A module's part of an erasure (see SubscribersService.registerErasureHook). */
export type ErasureHook = (subscriberId: string, manager: EntityManager, email: string) => Promise<void>;

export interface ProfilePatch {
  email?: string;
  firstName?: string | null;
  lastName?: string | null;
  zip?: string | null;
  state?: string | null;
  tags?: string[];
  customFields?: Record<string, unknown>;
  frequency?: Frequency;
}

