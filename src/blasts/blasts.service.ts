import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, Repository } from 'typeorm';
import { Env } from '../core/config/env';
import { MailTransportService } from '../core/mail/mail-transport.service';
import { PreferenceLinksService } from '../preferences/preference-links.service';
import { SegmentsService } from '../segments/segments.service';
import { SettingsService } from '../settings/settings.service';
import { erasedAddressPattern } from '../subscribers/subscriber-queries';
import { SubscribersService } from '../subscribers/subscribers.service';
import { BlastRenderer, Recipient } from './blast-message';
import { DELIVERY_COUNTS_SQL, rowsOf, SCRUB_ERASED_RESPONSES_SQL } from './blast-queries';
import { BlastQueueService } from './blast-queue.service';
import { blastTemplateProblems, SAMPLE, TemplateProblem } from './blast-template';
import { Blast, BlastStatus } from './blast.entity';
import {
  BlastDto,
  BlastPageDto,
  BlastStatsDto,
  CreateBlastDto,
  DeliveryPageDto,
  LedgerQueryDto,
  ListBlastsQueryDto,
  PreviewDto,
  UpdateBlastDto,
} from './dto/blast.dto';
import { isForeignKeyViolation } from '../core/database/database-errors';
import { cursorTimestampSql, decodeCursor, encodeCursor } from '../core/database/keyset-cursor';

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
      skippedByReason: {
        notSubscribed: c.not_subscribed,
        suppressed: c.suppressed,
        topicOptOut: c.topic_opt_out,
        frequencyCap: c.frequency_cap,
        orgCap: c.org_cap,
      },
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
    const params: unknown[] = [id];
    const where = ['d.blast_id = $1'];
    if (q.status) where.push(`d.status = $${params.push(q.status)}`);
    if (q.skipReason) where.push(`d.skip_reason = $${params.push(q.skipReason)}`);
    if (q.cursor) where.push(`d.subscriber_id > $${params.push(q.cursor)}::uuid`);
    const rows = await this.db.query(
      `SELECT d.subscriber_id AS "subscriberId", s.email, d.status, d.skip_reason AS "skipReason", d.attempts,
              d.response_code AS "responseCode", d.response, d.message_id AS "messageId",
              d.possible_duplicate AS "possibleDuplicate", d.sent_at AS "sentAt", d.updated_at AS "updatedAt"
         FROM blast_deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
        WHERE ${where.join(' AND ')}
        ORDER BY d.subscriber_id LIMIT ${limit + 1}`,
      params,
    );
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].subscriberId : null };
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
