import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Env } from '../core/config/env';
import { normalizeEmail } from './email-address';
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
  rowToSubscriber,
  SUBSCRIBER_COLUMNS,
  SubscriberRow,
  UPDATE_PROFILE_BY_EMAIL_SQL,
  UPSERT_SUBSCRIBER_SQL,
} from './subscriber-queries';
import { Subscriber, SubscriberStatus } from './subscriber.entity';

export { normalizeEmail } from './email-address';

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

/** Suppression keys are derived from the token secret, never equal to it (one key per purpose). */
const SUPPRESSION_KEY_LABEL = 'cloture/suppression-hash/v1';

@Injectable()
export class SubscribersService {
  private readonly logger = new Logger(SubscribersService.name);
  private readonly suppressionKeys: Buffer[];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    env: Env,
  ) {
    this.suppressionKeys = [env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS].map((secret) =>
      createHmac('sha256', secret).update(SUPPRESSION_KEY_LABEL).digest(),
    );
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
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const rows: SubscriberRow[] = await manager.query(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1`, [id]);
    return rows[0] ? rowToSubscriber(rows[0]) : null;
  }

  /**
   * Create-or-update by email (SUB-3) in one atomic statement. Rules:
   * - never changes the status of an existing row, except `unsubscribed` → subscribed/unconfirmed when the caller
   *   passes `subscribe: true` (an explicit opt-in), recording the consent; bounced/complained never change;
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
          this.suppressionHashes(p.email)],
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
}
