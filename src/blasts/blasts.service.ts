import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { DataSource, In, Repository } from 'typeorm';
import { Env } from '../core/config/env';
import { MailTransportService } from '../core/mail/mail-transport.service';
import { PreferenceLinksService } from '../preferences/preference-links.service';
import { SegmentsService } from '../segments/segments.service';
import { SettingsService } from '../settings/settings.service';
import { erasedAddressPattern } from '../subscribers/subscriber-queries';
import { SubscribersService } from '../subscribers/subscribers.service';
import { BlastRenderer, Recipient } from './blast-message';
import {
  DELIVERY_COUNTS_SQL,
  estimateAudienceSql,
  LEDGER_PAGE_SQL,
  rowsOf,
  SCRUB_ERASED_RESPONSES_SQL,
  SENT_SPAN_SQL,
  SENT_TIMELINE_SQL,
} from './blast-queries';
import { BlastQueueService } from './blast-queue.service';
import { blastTemplateProblems, SAMPLE, TemplateProblem } from './blast-template';
import { Blast, BlastStatus } from './blast.entity';
import {
  AudienceEstimateDto,
  BlastDto,
  BlastPageDto,
  BlastStatsDto,
  CreateBlastDto,
  DeliveryPageDto,
  LedgerExportQueryDto,
  LedgerQueryDto,
  ListBlastsQueryDto,
  PreviewDto,
  SentTimelineDto,
  UpdateBlastDto,
} from './dto/blast.dto';
import { isForeignKeyViolation } from '../core/database/database-errors';
import { cursorTimestampSql, decodeCursor, encodeCursor } from '../core/database/keyset-cursor';

const LEDGER_EXPORT_PAGE = 5000;
const LEDGER_CSV_COLUMNS = ['subscriberId', 'email', 'status', 'skipReason', 'attempts', 'responseCode', 'response', 'messageId', 'possibleDuplicate', 'sentAt'] as const;
/** Bucket widths of the sent-over-time chart, in seconds. */
const TIMELINE_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400];

/** Skip counts by reason, from the snake_case columns of DELIVERY_COUNTS_SQL or estimateAudienceSql. */
const skippedByReason = (c: Record<string, number>) => ({
  notSubscribed: c.not_subscribed,
  suppressed: c.suppressed,
  topicOptOut: c.topic_opt_out,
  frequencyCap: c.frequency_cap,
  orgCap: c.org_cap,
});

/** The ledger search: addresses starting with `q`, as a LIKE pattern body (lower case, wildcards escaped). */
const likePrefix = (q?: string) => (q ? q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) : null);

/** A CSV cell; text that a spreadsheet would run as a formula (= + - @) gets a leading apostrophe. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  const text = String(v);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

const SAMPLE_SUBSCRIBER_ID = '00000000-0000-4000-8000-000000000000';
const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600 * 1000;

/** Blasts as organizers see them (MSG-1..5, MSG-9, MSG-10): compose, validate, preview, schedule, control, report. */
@Injectable()
export class BlastsService implements OnModuleInit {
  private readonly logger = new Logger(BlastsService.name);

  constructor(
    @InjectRepository(Blast) private readonly blasts: Repository<Blast>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: BlastQueueService,
    private readonly settings: SettingsService,
    private readonly segments: SegmentsService,
    private readonly links: PreferenceLinksService,
    private readonly transport: MailTransportService,
    private readonly env: Env,
    private readonly subscribers: SubscribersService,
  ) {}

  /** Erasing a subscriber (SUB-5) also scrubs the address out of the SMTP replies in their ledger rows. */
  onModuleInit(): void {
    this.subscribers.registerErasureHook('blast-deliveries', async (subscriberId, manager, email) => {
      await manager.query(SCRUB_ERASED_RESPONSES_SQL, [subscriberId, erasedAddressPattern(email)]);
    });
  }

  async create(dto: CreateBlastDto): Promise<Blast> {
    await this.checkReferences(dto);
    const blast = this.blasts.create({ ...dto, priority: dto.priority ?? 'normal', status: 'draft' });
    const saved = await this.save(blast);
    this.logger.log(`blast ${saved.id} created`);
    return this.get(saved.id);
  }

  async list(q: ListBlastsQueryDto): Promise<BlastPageDto> {
    const limit = q.limit ?? 50;
    const params: unknown[] = [];
    const where: string[] = [];
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.cursor) {
      const { at, id } = decodeCursor(q.cursor);
      where.push(`(created_at, id) < ($${params.push(at)}::timestamptz, $${params.push(id)}::uuid)`);
    }
    // blasts_created_idx (created_at DESC, id DESC)
    const ids: { id: string; cursor_at: string }[] = await this.db.query(
      `SELECT id, ${cursorTimestampSql('created_at')} AS cursor_at FROM blasts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`,
      params,
    );
    const page = ids.slice(0, limit);
    const rows = page.length ? await this.blasts.findBy({ id: In(page.map((r) => r.id)) }) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const last = page[page.length - 1];
    return {
      items: page.map((r) => BlastsService.toDto(byId.get(r.id)!)),
      nextCursor: ids.length > limit ? encodeCursor(last.cursor_at, last.id) : null,
    };
  }

  async get(id: string): Promise<Blast> {
    const blast = await this.blasts.findOneBy({ id });
    if (!blast) throw new NotFoundException(`Blast ${id} not found`);
    return blast;
  }

  /** Only drafts are editable (MSG-5). */
  async update(id: string, dto: UpdateBlastDto): Promise<Blast> {
    const blast = await this.get(id);
    if (blast.status !== 'draft') throw new ConflictException(`Blast ${id} is ${blast.status}; only drafts can be edited`);
    const notNull = (['name', 'subject', 'htmlBody', 'priority'] as const).filter((k) => (dto as Record<string, unknown>)[k] === null);
    if (notNull.length) throw new BadRequestException(`${notNull.join(', ')} cannot be null`);
    await this.checkReferences(dto);
    this.blasts.merge(blast, dto as Partial<Blast>);
    await this.save(blast);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const blast = await this.get(id);
    if (blast.status !== 'draft' && blast.status !== 'cancelled') {
      throw new ConflictException(`Blast ${id} is ${blast.status}; only drafts and cancelled blasts can be deleted`);
    }
    if (blast.status === 'cancelled' && blast.frozenAt) {
      throw new ConflictException(`Blast ${id} has a delivery ledger; it is kept for the record`);
    }
    await this.blasts.delete({ id });
  }

  /** MSG-2: every problem that would stop the blast from being scheduled, all fields at once. */
  async validate(blast: Blast): Promise<TemplateProblem[]> {
    const problems = blastTemplateProblems(blast);
    const settings = await this.settings.get();
    if (!blast.fromEmail && !settings.defaultFromEmail) {
      problems.push({ path: 'fromEmail', message: 'set fromEmail on the blast or defaultFromEmail in /api/v1/settings' });
    }
    return problems;
  }

  async preview(id: string, subscriberId?: string): Promise<PreviewDto> {
    const blast = await this.get(id);
    // A dangling greeting does not stop a preview (it is where one sees it); a template that cannot render does.
    const problems = blastTemplateProblems(blast, { dangling: false });
    if (problems.length) throw new BadRequestException({ message: 'The blast\'s templates have errors', details: problems });
    const recipient = subscriberId ? await this.recipient(subscriberId) : this.sampleRecipient();
    const renderer = new BlastRenderer(blast, await this.settings.get(), this.env);
    const out = renderer.render(recipient, this.links.forTestSend(blast.id));
    return { ...out, recipient: subscriberId ?? 'sample' };
  }

  /**
   * MSG-4: mails the rendered blast to the given addresses now (subject marked [TEST]); nothing is recorded. Its
   * preference and unsubscribe links are test links: their pages say so and change nothing.
   */
  async testSend(id: string, to: string[], subscriberId?: string): Promise<string[]> {
    const blast = await this.get(id);
    const problems = await this.validate(blast);
    if (problems.length) throw new BadRequestException({ message: 'The blast has problems; fix them before a test send', details: problems });
    const recipient = subscriberId ? await this.recipient(subscriberId) : this.sampleRecipient();
    const renderer = new BlastRenderer(blast, await this.settings.get(), this.env);
    // Test links, even when rendered for a real subscriber: a colleague's click must not unsubscribe that person.
    const links = this.links.forTestSend(blast.id);
    const sent: string[] = [];
    for (const address of [...new Set(to.map((a) => a.trim()))]) {
      const message = renderer.message({ ...recipient, email: address }, links, `<test.${blast.id}.${randomUUID()}@${renderer.sendingDomain}>`);
      message.subject = `[TEST] ${message.subject}`;
      await this.transport.send(message);
      sent.push(address);
    }
    this.logger.log(`blast ${id}: test send to ${sent.length} address(es)`);
    return sent;
  }

  async schedule(id: string, sendAt: string): Promise<Blast> {
    const at = new Date(sendAt);
    if (at.getTime() <= Date.now()) throw new BadRequestException('sendAt must be in the future (use /send to send now)');
    if (at.getTime() - Date.now() > MAX_SCHEDULE_AHEAD_MS) throw new BadRequestException('sendAt must be within a year');
    const blast = await this.readyToStart(id, ['draft', 'scheduled']);
    await this.transition(blast.id, ['draft', 'scheduled'], `status = 'scheduled', scheduled_at = $2`, [at]);
    this.logger.log(`blast ${id} scheduled`);
    return this.get(id);
  }

  /** A scheduled blast back to draft (editable again). */
  async unschedule(id: string): Promise<Blast> {
    await this.transition(id, ['scheduled'], `status = 'draft', scheduled_at = NULL`);
    return this.get(id);
  }

  /**
   * Start sending now (MSG-6): the worker freezes the audience and queues its batches. Sending a blast that is
   * already sending is a no-op (the freeze happens once, delivery rows are unique).
   */
  async send(id: string): Promise<Blast> {
    const current = await this.get(id);
    if (current.status === 'sending') return current;
    await this.readyToStart(id, ['draft', 'scheduled']);
    await this.transition(id, ['draft', 'scheduled'], `status = 'sending', started_at = now()`);
    await this.queue.enqueueFreeze(id);
    this.logger.log(`blast ${id} sending`);
    return this.get(id);
  }

  /** Pause stops new messages within a second; messages already handed to SMTP complete. */
  async pause(id: string): Promise<Blast> {
    await this.transition(id, ['sending'], `status = 'paused', pause_reason = NULL`);
    this.logger.log(`blast ${id} paused`);
    return this.get(id);
  }

  async resume(id: string): Promise<Blast> {
    const notReady = SettingsService.notReadyReason(await this.settings.get());
    if (notReady) throw new BadRequestException(`The organization settings are incomplete: ${notReady}`);
    await this.transition(id, ['paused'], `status = 'sending', pause_reason = NULL, failure_count = 0, progress_at = now()`);
    const blast = await this.get(id);
    if (blast.frozenAt) await this.queue.enqueuePendingBatches(id, Date.now());
    else await this.queue.enqueueFreeze(id);
    this.logger.log(`blast ${id} resumed`);
    return blast;
  }

  /** Cancel at any point before it is sent: nothing more goes out; the ledger keeps what was sent. */
  async cancel(id: string): Promise<Blast> {
    await this.db.transaction(async (m) => {
      const [b] = await m.query(`SELECT status FROM blasts WHERE id = $1 FOR UPDATE`, [id]);
      if (!b) throw new NotFoundException(`Blast ${id} not found`);
      if (!['draft', 'scheduled', 'sending', 'paused'].includes(b.status)) {
        throw new ConflictException(`Blast ${id} is ${b.status} and cannot be cancelled`);
      }
      await m.query(`UPDATE blasts SET status = 'cancelled', cancelled_at = now(), updated_at = now() WHERE id = $1`, [id]);
      // blast_deliveries_pending_idx; rows being sent right now are handed back as cancelled by their worker.
      await m.query(`UPDATE blast_deliveries SET status = 'cancelled', updated_at = now() WHERE blast_id = $1 AND status = 'pending'`, [id]);
    });
    this.logger.log(`blast ${id} cancelled`);
    return this.get(id);
  }

  async stats(id: string): Promise<BlastStatsDto> {
    const blast = await this.get(id);
    const [c] = await this.db.query(DELIVERY_COUNTS_SQL, [id]);
    const [events] = await this.db.query(
      `SELECT
         (SELECT count(DISTINCT subscriber_id)::int FROM unsubscribe_events WHERE blast_id = $1 AND kind = 'unsubscribe') AS unsubscribed,
         (SELECT count(DISTINCT subscriber_id)::int FROM bounce_events WHERE blast_id = $1 AND type IN ('hard', 'soft')) AS bounced,
         (SELECT count(DISTINCT subscriber_id)::int FROM bounce_events WHERE blast_id = $1 AND type = 'complaint') AS complained,
         -- petition_signatures_blast_idx
         (SELECT count(*)::int FROM petition_signatures WHERE blast_id = $1) AS actions`,
      [id],
    );
    return {
      blastId: id,
      status: blast.status,
      audience: c.audience,
      skipped: c.skipped,
      skippedByReason: skippedByReason(c),
      pending: c.pending,
      sending: c.sending,
      sent: c.sent,
      failed: c.failed,
      cancelled: c.cancelled,
      bounced: events.bounced,
      complained: events.complained,
      unsubscribed: events.unsubscribed,
      actions: events.actions,
      possibleDuplicates: blast.possibleDuplicates,
    };
  }

  /** MSG-10: who got it, who did not and why; keyset pages by subscriber id (primary key, status filtered). */
  async ledger(id: string, q: LedgerQueryDto): Promise<DeliveryPageDto> {
    await this.get(id);
    const limit = q.limit ?? 100;
    const rows = await this.db.query(LEDGER_PAGE_SQL, [id, q.cursor ?? null, q.status ?? null, q.skipReason ?? null, likePrefix(q.q), limit + 1]);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].subscriberId : null };
  }

  /** The whole ledger (or a filter of it) as CSV, streamed in keyset pages: a 500,000-row blast never sits in memory. */
  async exportLedger(id: string, q: LedgerExportQueryDto): Promise<Readable> {
    await this.get(id);
    const db = this.db;
    const logger = this.logger;
    async function* rows() {
      let after: string | null = null;
      let total = 0;
      for (;;) {
        const page: Record<string, unknown>[] = await db.query(LEDGER_PAGE_SQL, [id, after, q.status ?? null, q.skipReason ?? null, likePrefix(q.q), LEDGER_EXPORT_PAGE]);
        for (const r of page) yield LEDGER_CSV_COLUMNS.map((c) => csvCell(r[c]));
        total += page.length;
        if (page.length < LEDGER_EXPORT_PAGE) break;
        after = page[page.length - 1].subscriberId as string;
      }
      logger.log(`blast ${id}: exported ${total} ledger rows`);
    }
    return Readable.from(rows()).pipe(stringify({ header: true, columns: [...LEDGER_CSV_COLUMNS] }));
  }

  /**
   * The freeze as a dry run (the console's audience step): the same SQL rules, for the blast's current segment,
   * topic, priority and random limit, with nothing written.
   */
  async estimate(id: string): Promise<AudienceEstimateDto> {
    const blast = await this.get(id);
    const settings = await this.settings.get();
    const filter = await this.segments.audienceFilter(blast.segmentId, 8);
    const [{ any }] = await this.db.query(`SELECT EXISTS (SELECT 1 FROM suppressions) AS any`);
    const [c] = await this.db.query(estimateAudienceSql(filter.sql, any), [
      id,
      blast.priority,
      settings.orgCapPerDay,
      blast.topicId,
      this.subscribers.suppressionKey,
      blast.randomLimit,
      blast.randomSeed,
      ...filter.params,
    ]);
    return {
      blastId: id,
      total: c.total,
      send: c.send,
      beyondLimit: c.beyond_limit,
      skippedByReason: skippedByReason(c),
      fromName: blast.fromName ?? settings.defaultFromName ?? null,
      fromEmail: blast.fromEmail ?? settings.defaultFromEmail ?? null,
    };
  }

  /** Messages sent over time, in at most ~120 buckets of a round width (1 s … 1 day). */
  async timeline(id: string): Promise<SentTimelineDto> {
    await this.get(id);
    const [span] = await this.db.query(SENT_SPAN_SQL, [id]);
    const seconds = span.first ? (new Date(span.last).getTime() - new Date(span.first).getTime()) / 1000 : 0;
    const bucketSeconds = TIMELINE_BUCKETS.find((b) => seconds / b <= 120) ?? TIMELINE_BUCKETS[TIMELINE_BUCKETS.length - 1];
    const points = span.first ? await this.db.query(SENT_TIMELINE_SQL, [id, bucketSeconds]) : [];
    return { blastId: id, bucketSeconds, points };
  }

  static toDto(b: Blast): BlastDto {
    return {
      id: b.id,
      name: b.name,
      subject: b.subject,
      preheader: b.preheader,
      fromName: b.fromName,
      fromEmail: b.fromEmail,
      replyTo: b.replyTo,
      htmlBody: b.htmlBody,
      textBody: b.textBody,
      segmentId: b.segmentId,
      topicId: b.topicId,
      priority: b.priority,
      randomLimit: b.randomLimit,
      status: b.status,
      pauseReason: b.pauseReason ?? null,
      scheduledAt: b.scheduledAt,
      startedAt: b.startedAt,
      frozenAt: b.frozenAt,
      finishedAt: b.finishedAt,
      cancelledAt: b.cancelledAt,
      createdAt: b.createdAt,
      updatedAt: b.updatedAt,
    };
  }

  /** Settings complete (COMP-1), templates valid (MSG-2), status allows it. */
  private async readyToStart(id: string, from: BlastStatus[]): Promise<Blast> {
    const blast = await this.get(id);
    if (!from.includes(blast.status)) throw new ConflictException(`Blast ${id} is ${blast.status}`);
    const notReady = SettingsService.notReadyReason(await this.settings.get());
    if (notReady) throw new BadRequestException(`The organization settings are incomplete: ${notReady}`);
    const problems = await this.validate(blast);
    if (problems.length) throw new BadRequestException({ message: 'The blast cannot be sent as it is', details: problems });
    return blast;
  }

  /** A status change guarded by the current status, so two concurrent calls cannot both apply. */
  private async transition(id: string, from: BlastStatus[], set: string, extra: unknown[] = []): Promise<void> {
    const updated = rowsOf<{ id: string }>(
      await this.db.query(
        `UPDATE blasts SET ${set}, updated_at = now() WHERE id = $1 AND status = ANY ($${extra.length + 2}::text[]) RETURNING id`,
        [id, ...extra, from],
      ),
    );
    if (updated.length) return;
    const blast = await this.get(id);
    throw new ConflictException(`Blast ${id} is ${blast.status}; this needs it to be ${from.join(' or ')}`);
  }

  private async checkReferences(dto: { segmentId?: string | null; topicId?: string | null }): Promise<void> {
    const details: TemplateProblem[] = [];
    if (dto.segmentId) {
      await this.segments.get(dto.segmentId).catch(() => details.push({ path: 'segmentId', message: `segment ${dto.segmentId} does not exist` }));
    }
    if (dto.topicId) {
      const rows = await this.db.query(`SELECT 1 FROM topics WHERE id = $1`, [dto.topicId]);
      if (!rows.length) details.push({ path: 'topicId', message: `topic ${dto.topicId} does not exist` });
    }
    if (details.length) throw new BadRequestException({ message: details.map((d) => d.message).join('; '), details });
  }

  private async save(blast: Blast): Promise<Blast> {
    try {
      return await this.blasts.save(blast);
    } catch (e) {
      if (isForeignKeyViolation(e)) throw new BadRequestException('segmentId or topicId does not exist');
      throw e;
    }
  }

  private async recipient(subscriberId: string): Promise<Recipient> {
    const [s] = await this.db.query(
      `SELECT id AS "subscriberId", email, first_name AS "firstName", last_name AS "lastName", zip, state, custom_fields AS "customFields"
         FROM subscribers WHERE id = $1`,
      [subscriberId],
    );
    if (!s) throw new NotFoundException(`Subscriber ${subscriberId} not found`);
    return s;
  }

  private sampleRecipient(): Recipient {
    return {
      subscriberId: SAMPLE_SUBSCRIBER_ID,
      email: SAMPLE.email,
      firstName: SAMPLE.firstName,
      lastName: SAMPLE.lastName,
      zip: SAMPLE.zip,
      state: SAMPLE.state,
      customFields: {},
    };
  }
}
