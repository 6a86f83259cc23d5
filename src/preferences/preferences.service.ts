import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { type Frequency, Subscriber, type SubscriberStatus } from '../subscribers/subscriber.entity';
import { SettingsService } from '../settings/settings.service';
import { SubscriberTopicOptOut, Topic } from '../topics/topic.entity';
import type { PreferenceFormDto } from './dto/preference-form.dto';
import {
  FREQUENCY_LABELS,
  maskEmail,
  renderPreferencesPage,
  renderTestLinkPage,
  renderUnsubscribeConfirmPage,
  renderUnsubscribedPage,
  type TopicChoice,
} from './preference-pages';
import {
  ADD_OPT_OUTS_SQL,
  FIND_SUBSCRIBER_SQL,
  LOCK_SUBSCRIBER_SQL,
  REMOVE_OPT_OUTS_SQL,
  RESUBSCRIBE_SQL,
  TEST_LINK_BLAST_NAME_SQL,
  UNSUBSCRIBE_SQL,
} from './preference-queries';
import type { UnsubscribeVia } from './unsubscribe-event.entity';
import { type LinkTokenClaims, type TokenPurpose, UnsubscribeTokenService } from './unsubscribe-token.service';

/** The consent wording recorded when someone resubscribes from their own link (COMP-4). */
export const RESUBSCRIBE_CONSENT_TEXT = 'Chose "Subscribe me again" on their own email preferences page';

/** Thrown for every bad link: tampered, truncated, unknown key, wrong purpose, subscriber gone — one answer for all. */
export class InvalidLinkException extends NotFoundException {
  constructor() {
    super('This link is not valid');
  }
}

interface SubscriberRow {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: Frequency;
}

/**
 * The preferences domain (UNSUB-2..6, PREF-1/2 choices): what a subscriber's own link may see and change —
 * frequency, topic opt-outs, unsubscribe and resubscribe. Every change is committed before the page answers.
 */
/** How long a page may show a stale sender name after the settings change (saves a query per one-click POST). */
const SENDER_NAME_TTL_MS = 30_000;

@Injectable()
export class PreferencesService {
  private readonly logger = new Logger(PreferencesService.name);
  private senderName?: { value: string | null; until: number };

  constructor(
    private readonly tokens: UnsubscribeTokenService,
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
    @InjectRepository(Topic) private readonly topics: Repository<Topic>,
    @InjectRepository(SubscriberTopicOptOut) private readonly optOuts: Repository<SubscriberTopicOptOut>,
    private readonly settings: SettingsService,
  ) {}

  /** `GET /preferences/:token`. */
  async preferencesPage(token: string): Promise<string> {
    const claims = this.claims(token, 'preferences');
    if (claims.test) return this.testLinkPage(claims);
    const subscriber = await this.find(claims.subscriberId);
    return renderPreferencesPage({
      orgName: await this.orgName(),
      action: token,
      maskedEmail: maskEmail(subscriber.email),
      status: subscriber.status,
      frequency: subscriber.frequency,
      topics: await this.topicChoices(subscriber.id),
    });
  }

  /** `POST /preferences/:token`: apply the form in one transaction and describe what changed. */
  async applyPreferences(token: string, form: PreferenceFormDto): Promise<string> {
    const claims = this.claims(token, 'preferences');
    if (claims.test) return this.testLinkPage(claims);
    const blastId = claims.blastId ?? null;
    const action = form.action ?? 'save';
    const changes: string[] = [];

    const subscriber = await this.subscribers.manager.transaction(async (m) => {
      const [row] = (await m.query(LOCK_SUBSCRIBER_SQL, [claims.subscriberId])) as SubscriberRow[];
      if (!row) throw new InvalidLinkException();

      if (action !== 'unsubscribe') {
        if (form.frequency && form.frequency !== row.frequency) {
          await m.update(Subscriber, { id: row.id }, { frequency: form.frequency });
          row.frequency = form.frequency;
          changes.push(`You will get: ${FREQUENCY_LABELS[form.frequency].toLowerCase()}.`);
        }
        if (form.shownTopics?.length) {
          const shown = [...new Set(form.shownTopics)];
          const wanted = new Set(form.topics ?? []);
          const optOut = shown.filter((id) => !wanted.has(id));
          const optIn = shown.filter((id) => wanted.has(id));
          const added = optOut.length ? ((await m.query(ADD_OPT_OUTS_SQL, [row.id, optOut])) as { topic_id: string }[]) : [];
          // A DELETE answers [rows, rowCount] through TypeORM.
          const removed: { topic_id: string }[] = optIn.length
            ? ((await m.query(REMOVE_OPT_OUTS_SQL, [row.id, optIn])) as [{ topic_id: string }[], number])[0]
            : [];
          const names = await this.topicNames(m.getRepository(Topic), [...added, ...removed].map((r) => r.topic_id));
          for (const r of added) changes.push(`No more emails about ${names.get(r.topic_id) ?? 'that topic'}.`);
          for (const r of removed) changes.push(`You will get emails about ${names.get(r.topic_id) ?? 'that topic'} again.`);
        }
      }

      if (action === 'unsubscribe') {
        const [res] = (await m.query(UNSUBSCRIBE_SQL, [row.id, blastId, 'preference-center' satisfies UnsubscribeVia])) as {
          changed: boolean;
        }[];
        if (res?.changed) {
          row.status = 'unsubscribed';
          changes.push('You are unsubscribed from everything: no more campaign emails.');
          this.logger.log(`subscriber ${row.id} unsubscribed from the preference center${blastId ? ` (blast ${blastId})` : ''}`);
        }
      } else if (action === 'resubscribe') {
        // Only `unsubscribed` people come back: bounced and complained addresses stay suppressed.
        const rows = (await m.query(RESUBSCRIBE_SQL, [row.id, blastId, RESUBSCRIBE_CONSENT_TEXT])) as unknown[];
        if (rows.length) {
          row.status = 'subscribed';
          changes.push('You are subscribed again. Welcome back!');
          this.logger.log(`subscriber ${row.id} resubscribed from the preference center`);
        }
      }
      return row;
    });

    return renderPreferencesPage({
      orgName: await this.orgName(),
      action: token,
      maskedEmail: maskEmail(subscriber.email),
      status: subscriber.status,
      frequency: subscriber.frequency,
      topics: await this.topicChoices(subscriber.id),
      changes,
    });
  }

  /** `GET`/`HEAD /unsubscribe/:token`: the confirmation page. Reads only — mail scanners prefetch links. */
  async unsubscribeConfirmPage(token: string): Promise<string> {
    const claims = this.claims(token, 'unsubscribe');
    if (claims.test) return this.testLinkPage(claims);
    const subscriber = await this.find(claims.subscriberId);
    return renderUnsubscribeConfirmPage({
      orgName: await this.orgName(),
      action: token,
      preferencesLink: this.preferencesLink(claims),
      maskedEmail: maskEmail(subscriber.email),
      alreadyUnsubscribed: subscriber.status === 'unsubscribed',
    });
  }

  /**
   * `POST /unsubscribe/:token` — the page's button and RFC 8058 one-click alike. Idempotent; committed before the
   * answer, so a blast in progress skips the person at its pre-send status check.
   */
  async unsubscribe(token: string, via: UnsubscribeVia): Promise<string> {
    const claims = this.claims(token, 'unsubscribe');
    if (claims.test) return this.testLinkPage(claims);
    const [res] = (await this.subscribers.query(UNSUBSCRIBE_SQL, [claims.subscriberId, claims.blastId ?? null, via])) as {
      email: string;
      previousStatus: SubscriberStatus;
      changed: boolean;
    }[];
    if (!res) throw new InvalidLinkException();
    if (res.changed) {
      this.logger.log(`subscriber ${claims.subscriberId} unsubscribed via ${via}${claims.blastId ? ` (blast ${claims.blastId})` : ''}`);
    }
    // Undo only makes sense for someone now unsubscribed (not bounced or complained); a concurrent POST may have
    // made the change, so a person who was subscribed a moment ago counts too.
    const nowUnsubscribed = res.changed || ['subscribed', 'unconfirmed', 'unsubscribed'].includes(res.previousStatus);
    const preferencesLink = this.preferencesLink(claims);
    return renderUnsubscribedPage({
      orgName: await this.orgName(),
      maskedEmail: maskEmail(res.email),
      preferencesLink,
      undoAction: nowUnsubscribed ? preferencesLink : undefined,
    });
  }

  /** Any request on a test-send link (MSG-4): explain it, read nothing about subscribers, change nothing. */
  private async testLinkPage(claims: LinkTokenClaims): Promise<string> {
    const [blast] = (await this.subscribers.query(TEST_LINK_BLAST_NAME_SQL, [claims.blastId])) as { name: string }[];
    return renderTestLinkPage({ orgName: await this.orgName(), purpose: claims.purpose, blastName: blast?.name ?? null });
  }

  private async find(id: string): Promise<SubscriberRow> {
    const [row] = (await this.subscribers.query(FIND_SUBSCRIBER_SQL, [id])) as SubscriberRow[];
    if (!row) throw new InvalidLinkException();
    return row;
  }

  /** The name people know the sender by: the default from name, else the legal name (cached briefly). */
  private async orgName(): Promise<string | null> {
    const now = Date.now();
    if (!this.senderName || this.senderName.until < now) {
      const s = await this.settings.get();
      this.senderName = { value: s.defaultFromName || s.legalName || null, until: now + SENDER_NAME_TTL_MS };
    }
    return this.senderName.value;
  }

  private claims(token: string, purpose: TokenPurpose): LinkTokenClaims {
    const claims = this.tokens.verify(token, purpose);
    if (!claims) throw new InvalidLinkException();
    return claims;
  }

  /** The preference page of the same person (and blast), relative to /unsubscribe/TOKEN. */
  private preferencesLink(claims: LinkTokenClaims): string {
    return `../preferences/${this.tokens.sign({ subscriberId: claims.subscriberId, blastId: claims.blastId, purpose: 'preferences' })}`;
  }

  private async topicChoices(subscriberId: string): Promise<TopicChoice[]> {
    const [topics, optOuts] = await Promise.all([
      this.topics.find({ select: { id: true, name: true, description: true }, order: { name: 'ASC' } }),
      this.optOuts.find({ where: { subscriberId }, select: { topicId: true } }),
    ]);
    const out = new Set(optOuts.map((o) => o.topicId));
    return topics.map((t) => ({ id: t.id, name: t.name, description: t.description, receiving: !out.has(t.id) }));
  }

  private async topicNames(repo: Repository<Topic>, ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await repo.find({ where: { id: In(ids) }, select: { id: true, name: true } });
    return new Map(rows.map((t) => [t.id, t.name]));
  }
}

