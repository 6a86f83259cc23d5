import { BadRequestException, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Env } from '../core/config/env';
import { erasedAddressPattern } from '../subscribers/subscriber-queries';
import { SubscribersService } from '../subscribers/subscribers.service';
import { Attribution } from './bounce-event.entity';
import { BlastDeliverabilityDto, BounceEventPageDto, ListBounceEventsQueryDto } from './dto/bounce-event.dto';
import {
  SCRUB_ERASED_EVENTS_SQL,
  BLAST_COUNTS_SQL,
  BLAST_STATUS_SQL,
  COMPLAINT_RATE_SQL,
  COUNT_SOFT_SQL,
  DELIVERY_BY_MESSAGE_ID_SQL,
  INSERT_EVENT_SQL,
  LIST_EVENTS_SQL,
  LOCK_SUBSCRIBER_SQL,
  MARK_BOUNCED_SQL,
  MARK_COMPLAINED_SQL,
  AUTO_PAUSE_BLAST_SQL,
  AUTO_PAUSES_SQL,
  POLICY_RATE_SQL,
} from './bounce-queries';
import { BounceType, classifySmtpReply, enhancedStatusOf } from './smtp-reply';

/** A bounce, complaint or policy rejection as any intake reports it; at least one of subscriberId, messageId, email. */
export interface BounceReport {
  type: BounceType;
  /** `smtp`, `dsn`, `ses`, or a webhook's provider name. */
  provider: string;
  subscriberId?: string | null;
  blastId?: string | null;
  /** The Message-ID of the message that bounced (ours), which names the blast and the recipient. */
  messageId?: string | null;
  email?: string | null;
  /** Provider or SMTP code, e.g. `550 5.1.1`. */
  code?: string | null;
  detail?: string | null;
  occurredAt?: Date;
  /** Same key twice (a provider retrying its webhook, the send loop retrying a batch) → stored and applied once. */
  dedupeKey?: string | null;
}

/** What happened: the subscriber was marked, the soft bounce counted, the organizer alerted, or nothing new. */
export type BounceAction = 'bounced' | 'complained' | 'counted' | 'alerted' | 'recorded' | 'unmatched' | 'duplicate';

export interface BounceOutcome {
  action: BounceAction;
  type: BounceType;
  eventId: string | null;
  subscriberId: string | null;
  blastId: string | null;
}

/** The send loop's report of an SMTP rejection of one recipient of one blast. */
export interface SmtpRejection {
  subscriberId: string;
  blastId?: string | null;
  responseCode: number;
  response: string;
  messageId?: string | null;
}

export interface BlastBounceCounts {
  hard: number;
  soft: number;
  complaints: number;
  policy: number;
}

/** Rows changed by an UPDATE: TypeORM answers UPDATE/DELETE with `[rows, rowCount]`. */
const changedRows = (result: unknown): number => (Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0);

const clip = (s: string | null | undefined, n: number) => (s == null ? null : s.slice(0, n));

/** Blast Message-IDs are `<blastId.subscriberId@sending-domain>` (see BlastRenderer.messageId). */
const BLAST_MESSAGE_ID = /^<?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@([^<>\s]+?)>?$/i;

/**
 * COMP-3 policy, applied the same way whatever the intake (SMTP reply at send time, signed webhook, SES, DSN/ARF):
 * - hard bounce → subscriber `bounced` at once;
 * - soft bounce → `bounced` once SOFT_BOUNCE_LIMIT of them fall inside SOFT_BOUNCE_WINDOW_DAYS after the last
 *   successful delivery;
 * - complaint → `complained` and a suppression hash, so the address stays suppressed even after erasure/re-import;
 * - policy (5.7.x, about the sender) → recorded as an organizer alert, nobody suppressed.
 */
/** The code of an SMTP reply (`550 5.1.1`), without its free text: that stays in `detail`, which erasure scrubs. */
const smtpCode = (r: SmtpRejection) => [r.responseCode, enhancedStatusOf(r.response)].filter(Boolean).join(' ') || null;

@Injectable()
export class BouncesService implements OnModuleInit {
  private readonly logger = new Logger(BouncesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly env: Env,
  ) {}

  /** Erasing a subscriber (SUB-5) also scrubs the address out of their bounce reports, in the same transaction. */
  onModuleInit(): void {
    this.subscribers.registerErasureHook('bounce-events', async (subscriberId, manager, email) => {
      await manager.query(SCRUB_ERASED_EVENTS_SQL, [subscriberId, email, erasedAddressPattern(email)]);
    });
  }

  /** Called by the blast send loop on a 5xx reply for one recipient. */
  async handleSmtpRejection(r: SmtpRejection): Promise<BounceOutcome> {
    const { type } = classifySmtpReply(r.responseCode, r.response);
    return this.record({
      type: type === 'none' ? 'hard' : type,
      provider: 'smtp',
      subscriberId: r.subscriberId,
      blastId: r.blastId ?? null,
      messageId: r.messageId ?? null,
      code: smtpCode(r),
      detail: clip(r.response, 1000),
      dedupeKey: r.blastId ? `smtp:${r.blastId}:${r.subscriberId}` : null,
    });
  }

  /** Called by the send loop when a 4xx deferral exhausted its retries: one soft bounce. */
  async handleSoftBounce(r: SmtpRejection): Promise<BounceOutcome> {
    return this.record({
      type: 'soft',
      provider: 'smtp',
      subscriberId: r.subscriberId,
      blastId: r.blastId ?? null,
      messageId: r.messageId ?? null,
      code: smtpCode(r),
      detail: clip(r.response, 1000),
      dedupeKey: r.blastId ? `smtp-soft:${r.blastId}:${r.subscriberId}` : null,
    });
  }

  /** Records one event and applies the policy, in one transaction that locks the subscriber row. */
  async record(report: BounceReport): Promise<BounceOutcome> {
    const outcome = await this.db.transaction(async (m) => this.recordIn(m, report));
    if (outcome.action === 'complained' && outcome.blastId) await this.guardComplaintRate(outcome.blastId);
    if (outcome.action === 'alerted' && outcome.blastId) await this.guardPolicyRejections(outcome.blastId);
    if (outcome.action === 'alerted') {
      this.logger.warn(`sender policy rejection recorded (event ${outcome.eventId}, blast ${outcome.blastId ?? '-'}, code ${report.code ?? '-'})`);
    } else if (outcome.action !== 'duplicate') {
      this.logger.log(`${report.type} from ${report.provider}: ${outcome.action} (event ${outcome.eventId}, subscriber ${outcome.subscriberId ?? '-'}, blast ${outcome.blastId ?? '-'})`);
    }
    return outcome;
  }

  private async recordIn(m: EntityManager, report: BounceReport): Promise<BounceOutcome> {
    const target = await this.attribute(m, report);
    let subscriber: { id: string; email: string; status: string; erased_at: Date | null } | undefined;
    if (target.subscriberId) {
      [subscriber] = await m.query(LOCK_SUBSCRIBER_SQL, [target.subscriberId]);
      if (!subscriber) target.subscriberId = null;
    }
    const inserted: { id: string }[] = await m.query(INSERT_EVENT_SQL, [
      target.subscriberId,
      target.blastId,
      report.type,
      clip(report.provider, 40),
      clip(report.code, 100),
      clip(report.detail, 1000),
      clip(report.messageId, 998),
      target.attribution,
      clip(report.dedupeKey, 300),
      report.occurredAt ?? new Date(),
    ]);
    const base = { type: report.type, subscriberId: target.subscriberId, blastId: target.blastId };
    if (!inserted[0]) return { ...base, action: 'duplicate', eventId: null };
    const eventId = inserted[0].id;
    if (report.type === 'policy') return { ...base, action: 'alerted', eventId };
    if (!subscriber) return { ...base, action: 'unmatched', eventId };

    if (report.type === 'complaint') {
      await m.query(MARK_COMPLAINED_SQL, [subscriber.id]);
      // An erased row holds a placeholder, not the address (whose hash is already suppressed by the erasure).
      if (!subscriber.erased_at) await this.subscribers.suppress(subscriber.email, 'complained', m);
      return { ...base, action: 'complained', eventId };
    }
    if (report.type === 'hard') {
      const changed = changedRows(await m.query(MARK_BOUNCED_SQL, [subscriber.id]));
      return { ...base, action: changed ? 'bounced' : 'recorded', eventId };
    }
    const [{ n }] = await m.query(COUNT_SOFT_SQL, [subscriber.id, this.env.SOFT_BOUNCE_WINDOW_DAYS]);
    if (n >= this.env.SOFT_BOUNCE_LIMIT) {
      const changed = changedRows(await m.query(MARK_BOUNCED_SQL, [subscriber.id]));
      return { ...base, action: changed ? 'bounced' : 'recorded', eventId };
    }
    return { ...base, action: 'counted', eventId };
  }

  /** Who the event is about: given directly, by our Message-ID (also naming the blast), or by address. */
  private async attribute(
    m: EntityManager,
    r: BounceReport,
  ): Promise<{ subscriberId: string | null; blastId: string | null; attribution: Attribution }> {
    if (r.subscriberId) return { subscriberId: r.subscriberId, blastId: r.blastId ?? null, attribution: 'subscriber' };
    const named = r.messageId ? BLAST_MESSAGE_ID.exec(r.messageId.trim()) : null;
    if (named) {
      const [blastId, subscriberId, domain] = [named[1].toLowerCase(), named[2].toLowerCase(), named[3]];
      const [row] = await m.query(DELIVERY_BY_MESSAGE_ID_SQL, [blastId, subscriberId, `<${blastId}.${subscriberId}@${domain}>`]);
      if (row) return { subscriberId: row.subscriber_id, blastId: row.blast_id, attribution: 'message_id' };
    }
    if (r.email) {
      const s = await this.subscribers.findByEmail(r.email, m).catch(() => null);
      if (s) return { subscriberId: s.id, blastId: r.blastId ?? null, attribution: 'address' };
    }
    return { subscriberId: null, blastId: r.blastId ?? null, attribution: 'none' };
  }

  /**
   * Complaint-rate guard: a blast still sending whose complaints exceed COMPLAINT_RATE_PAUSE_THRESHOLD of the
   * messages sent (and number at least COMPLAINT_PAUSE_MIN_COMPLAINTS) is paused, with the reason recorded.
   */
  async guardComplaintRate(blastId: string): Promise<boolean> {
    const [{ sent, complaints }] = await this.db.query(COMPLAINT_RATE_SQL, [blastId]);
    if (complaints < this.env.COMPLAINT_PAUSE_MIN_COMPLAINTS || complaints <= this.env.COMPLAINT_RATE_PAUSE_THRESHOLD * sent) return false;
    const pct = (n: number) => `${(Math.round(n * 10000) / 100).toString()} %`;
    const reason = `Paused automatically: ${complaints} spam complaint(s) for ${sent} message(s) sent (${pct(complaints / Math.max(sent, 1))}), ` +
      `above the ${pct(this.env.COMPLAINT_RATE_PAUSE_THRESHOLD)} limit (COMPLAINT_RATE_PAUSE_THRESHOLD). Review the audience and content before resuming.`;
    const paused = changedRows(await this.db.query(AUTO_PAUSE_BLAST_SQL, [blastId, 'complaint_rate', reason])) > 0;
    if (paused) this.logger.warn(`blast ${blastId} paused: ${complaints} complaints / ${sent} sent`);
    return paused;
  }

  /**
   * Sender-policy guard: when receiving servers keep refusing a sending blast for who sends it (5.7.x — SPF, DKIM,
   * DMARC), the rest would be refused too and each refusal costs reputation: pause it and say what to fix.
   */
  async guardPolicyRejections(blastId: string): Promise<boolean> {
    const [{ tried, rejections }] = await this.db.query(POLICY_RATE_SQL, [blastId]);
    if (rejections < this.env.POLICY_REJECTION_PAUSE_MIN || rejections <= this.env.POLICY_REJECTION_PAUSE_RATE * Math.max(tried, rejections)) {
      return false;
    }
    const reason = `Paused automatically: receiving servers refused ${rejections} of ${Math.max(tried, rejections)} message(s) for sender policy ` +
      `(5.7.x: SPF, DKIM or DMARC of the sending domain). Fix the domain's authentication, then resume; nobody was suppressed.`;
    const paused = changedRows(await this.db.query(AUTO_PAUSE_BLAST_SQL, [blastId, 'sender_policy', reason])) > 0;
    if (paused) this.logger.warn(`blast ${blastId} paused: ${rejections} sender-policy rejections`);
    return paused;
  }

  /** Bounce and complaint figures of one blast (MSG-9 stats). */
  async countsForBlast(blastId: string): Promise<BlastBounceCounts> {
    const [row] = await this.db.query(BLAST_COUNTS_SQL, [blastId]);
    return row;
  }

  /** Organizer view of events (policy ones are the sender alerts), newest first. */
  async list(q: ListBounceEventsQueryDto): Promise<BounceEventPageDto> {
    const limit = q.limit ?? 50;
    let after: [string, string] | [null, null] = [null, null];
    if (q.cursor) {
      const [at, id] = Buffer.from(q.cursor, 'base64url').toString().split('|');
      if (!at || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id ?? '')) throw new BadRequestException('cursor is not a cursor from this API');
      after = [at, id];
    }
    const rows: Record<string, any>[] = await this.db.query(LIST_EVENTS_SQL, [q.type ?? null, q.blastId ?? null, q.subscriberId ?? null, ...after, limit + 1]);
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      type: r.type,
      provider: r.provider,
      subscriberId: r.subscriber_id,
      blastId: r.blast_id,
      code: r.code,
      detail: r.detail,
      attribution: r.attribution,
      occurredAt: r.occurred_at,
      createdAt: r.created_at,
    }));
    const last = items[items.length - 1];
    const nextCursor = rows.length > limit ? Buffer.from(`${new Date(last.occurredAt).toISOString()}|${last.id}`).toString('base64url') : null;
    return { items, nextCursor };
  }

  /** Bounces, complaints, complaint rate, policy rejections and any automatic pause reason of one blast. */
  async deliverability(blastId: string): Promise<BlastDeliverabilityDto> {
    const [blast] = await this.db.query(BLAST_STATUS_SQL, [blastId]);
    if (!blast) throw new NotFoundException(`Blast ${blastId} not found`);
    const [[rate], counts, pauses] = await Promise.all([
      this.db.query(COMPLAINT_RATE_SQL, [blastId]),
      this.countsForBlast(blastId),
      this.db.query(AUTO_PAUSES_SQL, [blastId]),
    ]);
    return {
      blastId,
      status: blast.status,
      // The reason is current only while paused (resume belongs to the Blasts module and leaves the column).
      pauseReason: blast.status === 'paused' ? blast.pause_reason : null,
      automaticPauses: pauses.map((p: { kind: string; reason: string; created_at: Date }) => ({ kind: p.kind, reason: p.reason, at: p.created_at })),
      sent: rate.sent,
      hardBounces: counts.hard,
      softBounces: counts.soft,
      complaints: rate.complaints,
      complaintRate: rate.sent ? rate.complaints / rate.sent : 0,
      policyRejections: counts.policy,
    };
  }
}
