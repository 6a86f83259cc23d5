import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BouncesService } from '../bounces/bounces.service';
import { Env } from '../core/config/env';
import { MailTransportService, SendFencedError } from '../core/mail/mail-transport.service';
import { PreferenceLinksService } from '../preferences/preference-links.service';
import { SettingsService } from '../settings/settings.service';
import { SubscribersService } from '../subscribers/subscribers.service';
import { BlastRenderer, Recipient } from './blast-message';
import { claimSql, FLUSH_RESULTS_SQL, RELEASE_SQL, RENEW_CLAIMS_SQL, rowsOf } from './blast-queries';
import { BlastQueueService } from './blast-queue.service';
import { Blast } from './blast.entity';
import { SendRateLimiterService } from './send-rate-limiter.service';
import { WorkerLeaseService } from './worker-lease.service';

/**
 * Rows a job claims at a time: about a quarter second of sending (5 to 50). Claiming re-checks each person, so an
 * unsubscribe reaches the loop at most one small chunk late.
 */
const MAX_CHUNK = 50;
const FLUSH_EVERY_MESSAGES = 50;
const FLUSH_EVERY_MS = 250;
/** Pause/cancel are noticed within this (MSG: "pause stops new messages within a second"). */
const STATUS_POLL_MS = 500;
/** A 4xx deferral: the recipient is retried later, up to this many attempts, then failed as a soft bounce. */
const MAX_ATTEMPTS = 5;
/** Everyone waits this long after a 4xx (MSG-8 back-off). */
const DEFER_PUSH_BACK_MS = 1_000;
const RENDERER_TTL_MS = 60_000;
const CLAIM_RENEW_MS = 60_000;

interface ClaimedRow extends Recipient {
  status: 'sending' | 'skipped';
  attempts: number;
  possibleDuplicate: boolean;
}

interface Outcome {
  subscriberId: string;
  status: 'sent' | 'failed' | 'pending';
  messageId: string | null;
  code: number | null;
  response: string | null;
  nextAttemptAt: Date | null;
  /** When it was handed to the SMTP server (this worker's clock, right after its rate slot), recorded as sent_at. */
  sentAt: Date | null;
}


/**
 * The send loop (MSG-6..8). A batch job claims its pending rows a chunk at a time (re-checking each person), sends
 * each through the pooled transport at the global rate, and records outcomes in batched UPDATEs. If this process
 * dies, only rows it holds in `sending` are in doubt: another worker resends them and counts them (MSG-7).
 */
@Injectable()
export class BlastSenderService implements OnModuleDestroy {
  private readonly logger = new Logger(BlastSenderService.name);
  private stopping = false;
  private readonly renderers = new Map<string, { renderer: BlastRenderer; at: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transport: MailTransportService,
    private readonly links: PreferenceLinksService,
    private readonly settings: SettingsService,
    private readonly subscribers: SubscribersService,
    private readonly limiter: SendRateLimiterService,
    private readonly queue: BlastQueueService,
    private readonly env: Env,
    private readonly lease: WorkerLeaseService,
    @Optional() private readonly bounces?: BouncesService,
  ) {}

  /**
   * Graceful shutdown (OPS-4), through Nest's shutdown hooks: the first hook of app.close() (before Bull closes its
   * queues in onApplicationShutdown) stops the loop taking new messages; the running batch flushes and hands back
   * the rest.
   */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  /** This process, as recorded in claimed rows and blast_workers (WorkerLeaseService). */
  get workerId(): string {
    return this.lease.workerId;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Sends one batch; returns how many messages it sent. Safe to run twice at once on the same batch. */
  async runBatch(blastId: string, batch: number): Promise<{ sent: number; skipped: number; stoppedBy?: string }> {
    const blast = await this.db.getRepository(Blast).findOneBy({ id: blastId });
    if (!blast || blast.status !== 'sending' || !blast.frozenAt || !blast.batchSize) {
      return { sent: 0, skipped: 0, stoppedBy: blast?.status ?? 'missing' };
    }
    const renderer = await this.renderer(blast);
    const claim = claimSql();
    const orgCap = (await this.settings.get()).orgCapPerDay;
    const from = batch * blast.batchSize;
    const to = from + blast.batchSize;
    const chunk = Math.max(5, Math.min(MAX_CHUNK, Math.ceil(this.env.SEND_RATE_PER_SECOND / 4)));

    let blastStatus: string = blast.status;
    const poll = setInterval(() => {
      this.db
        .query(`SELECT status FROM blasts WHERE id = $1`, [blastId])
        .then(([r]) => (blastStatus = r?.status ?? 'missing'))
        .catch(() => undefined);
    }, STATUS_POLL_MS);
    const wanted = () => !this.stopping && blastStatus === 'sending';
    // This job's claims: another job of this worker (a rescue round of the same batch) never touches them.
    const token = randomUUID();
    const results = new ResultBuffer(this.db, blastId, this.workerId, token);
    const flushTimer = setInterval(() => void results.flush().catch((e) => this.logger.warn(`flush failed: ${(e as Error).message}`)), FLUSH_EVERY_MS);
    // Rows held longer than a minute (a very low rate shared by many jobs) get their claim renewed, so the
    // reconciler's 15-minute rule for abandoned rows never takes rows this live job is still working through.
    let held: string[] = [];
    const renew = setInterval(() => {
      if (held.length) void this.db.query(RENEW_CLAIMS_SQL, [blastId, this.workerId, held, token]).catch(() => undefined);
    }, CLAIM_RENEW_MS);
    let sent = 0;
    let skipped = 0;
    try {
      let claims = 0;
      while (wanted()) {
        // Never claim on a stale lease: after a pause or an outage, beat first (REL-3).
        if (!(await this.lease.ensureFresh())) throw new Error('this worker cannot reach the database to renew its lease');
        const claimedAt = this.lease.now();
        let claimed: ClaimedRow[];
        try {
          claimed = rowsOf<ClaimedRow>(
            await this.db.query(claim, [blastId, from, to, chunk, this.workerId, blast.priority, orgCap, blast.topicId, this.subscribers.suppressionKey, token]),
          );
        } catch (e) {
          // Counted on the blast: a claim that keeps failing pauses it with the reason instead of retrying unseen.
          await this.queue.recordFailure(blastId, 'send', e);
          throw e;
        }
        if (claims++ === 0 && blast.failureCount > 0) await this.queue.clearFailures(blastId);
        if (!claimed.length) break;
        skipped += claimed.filter((r) => r.status === 'skipped').length;
        const toSend = claimed.filter((r) => r.status === 'sending');
        held = toSend.map((r) => r.subscriberId);
        const unsent = await this.sendChunk(renderer, toSend, results, wanted, () => this.lease.holds(claimedAt));
        sent += toSend.length - unsent.length;
        if (unsent.length) {
          // Paused, cancelled, shutting down — or this worker's lease lapsed (a pause past the fence): the rows it
          // still holds go back to pending (rows others took over meanwhile are untouched), and nothing is sent
          // on an old claim. A lapsed lease claims afresh; anything else ends the job.
          await results.flushPersistently();
          await this.db.query(RELEASE_SQL, [blastId, this.workerId, unsent.map((r) => r.subscriberId), token]);
          if (!wanted()) break;
          this.logger.warn(`blast ${blastId} batch ${batch}: lease lapsed with ${unsent.length} claimed row(s) unsent; handed back, claiming afresh`);
        }
      }
    } finally {
      // Whatever ended the loop (even a failed claim while PostgreSQL restarts), the outcomes of messages already
      // sent are written before the job ends — lost, they would be re-sent as possible duplicates.
      clearInterval(poll);
      clearInterval(flushTimer);
      clearInterval(renew);
      await results.flushPersistently();
    }
    await this.queue.completeIfDone(blastId);
    const stoppedBy = this.stopping ? 'shutdown' : blastStatus !== 'sending' ? blastStatus : undefined;
    this.logger.log(`blast ${blastId} batch ${batch}: ${sent} sent, ${skipped} skipped${stoppedBy ? `, stopped by ${stoppedBy}` : ''}`);
    return { sent, skipped, stoppedBy };
  }

  /**
   * Sends with as many messages in flight as the SMTP pool has connections; returns the rows never attempted. The
   * fence `leased` is checked last, right before each hand-off to SMTP: a lapsed lease stops every lane.
   */
  private async sendChunk(
    renderer: BlastRenderer,
    rows: ClaimedRow[],
    results: ResultBuffer,
    wanted: () => boolean,
    leased: () => boolean,
  ): Promise<ClaimedRow[]> {
    let next = 0;
    let lapsed = false;
    const unsent: ClaimedRow[] = [];
    const lane = async () => {
      while (next < rows.length) {
        if (!wanted() || lapsed) return;
        const row = rows[next++];
        let slot = false;
        try {
          slot = await this.limiter.acquire(wanted);
        } catch (e) {
          this.logger.warn(`rate limiter unavailable: ${(e as Error).message}`);
        }
        if (!slot) {
          unsent.push(row);
          return;
        }
        if (lapsed || !leased()) {
          // Maybe no longer this worker's row: another may have taken it over while this process was paused.
          lapsed = true;
          unsent.push(row);
          return;
        }
        const outcome = await this.sendOne(renderer, row, leased);
        if (outcome === 'fenced') {
          lapsed = true;
          unsent.push(row);
          return;
        }
        results.add(outcome);
        if (results.size >= FLUSH_EVERY_MESSAGES) await results.flush().catch((e) => this.logger.warn(`flush failed, kept for the next: ${(e as Error).message}`));
      }
    };
    const lanes = Math.max(1, Math.min(this.env.SMTP_POOL_SIZE, rows.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    return [...unsent, ...rows.slice(next)];
  }

  /** One message; 'fenced' when the lease lapsed before its SMTP transaction began (nothing was sent). */
  private async sendOne(renderer: BlastRenderer, row: ClaimedRow, leased: () => boolean): Promise<Outcome | 'fenced'> {
    const blastId = renderer.blast.id;
    const messageId = renderer.messageId(row.subscriberId);
    const handedAt = new Date();
    try {
      const message = renderer.message(row, this.links.forRecipient(row.subscriberId, blastId), messageId);
      // The lease is asked again at the last moment: when a pooled connection takes the message (REL-3).
      const info = await this.transport.send(message, { guard: leased });
      return {
        subscriberId: row.subscriberId,
        status: 'sent',
        messageId,
        code: 250,
        response: info.response.slice(0, 1000),
        nextAttemptAt: null,
        sentAt: handedAt,
      };
    } catch (e) {
      if (e instanceof SendFencedError) return 'fenced';
      const err = e as Error & { responseCode?: number; response?: string; code?: string };
      const code = typeof err.responseCode === 'number' ? err.responseCode : null;
      const response = (err.response ?? err.message ?? '').slice(0, 1000);
      if (code !== null && code >= 500) {
        await this.reportRejection(row.subscriberId, blastId, code, response, messageId, 'hard');
        return { subscriberId: row.subscriberId, status: 'failed', messageId, code, response, nextAttemptAt: null, sentAt: null };
      }
      // 4xx, or no answer at all (connection refused, timeout): transient. Back off for everyone, retry this one later.
      void this.limiter.pushBack(DEFER_PUSH_BACK_MS).catch(() => undefined);
      if (row.attempts >= MAX_ATTEMPTS) {
        if (code !== null) await this.reportRejection(row.subscriberId, blastId, code, response, messageId, 'soft');
        return { subscriberId: row.subscriberId, status: 'failed', messageId, code, response, nextAttemptAt: null, sentAt: null };
      }
      const delay = this.env.SEND_DEFER_BASE_MS * 2 ** (row.attempts - 1);
      this.logger.warn(`blast ${blastId} subscriber ${row.subscriberId} deferred (${code ?? err.code ?? 'no reply'}); retry in ${delay} ms`);
      return { subscriberId: row.subscriberId, status: 'pending', messageId: null, code, response, nextAttemptAt: new Date(Date.now() + delay), sentAt: null };
    }
  }

  /** COMP-3: the Bounces module classifies the reply (hard bounce, or a 5.7.x policy rejection about us). */
  private async reportRejection(subscriberId: string, blastId: string, responseCode: number, response: string, messageId: string, kind: 'hard' | 'soft') {
    if (!this.bounces) return;
    try {
      const r = { subscriberId, blastId, responseCode, response, messageId };
      await (kind === 'hard' ? this.bounces.handleSmtpRejection(r) : this.bounces.handleSoftBounce(r));
    } catch (e) {
      this.logger.warn(`blast ${blastId}: recording the SMTP rejection of ${subscriberId} failed: ${(e as Error).message}`);
    }
  }

  /** Compiled once per blast per worker; refreshed now and then so settings changes reach the footer. */
  private async renderer(blast: Blast): Promise<BlastRenderer> {
    const cached = this.renderers.get(blast.id);
    if (cached && Date.now() - cached.at < RENDERER_TTL_MS) return cached.renderer;
    const renderer = new BlastRenderer(blast, await this.settings.get(), this.env);
    if (this.renderers.size > 100) this.renderers.clear();
    this.renderers.set(blast.id, { renderer, at: Date.now() });
    return renderer;
  }
}

/** Outcomes waiting to be written; one UPDATE per flush, flushes serialized. */
class ResultBuffer {
  private items: Outcome[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly blastId: string,
    private readonly workerId: string,
    private readonly token: string,
  ) {}

  get size(): number {
    return this.items.length;
  }

  add(o: Outcome): void {
    this.items.push(o);
  }

  /** Flush, retrying for about half a minute (a PostgreSQL restart) before giving up. */
  async flushPersistently(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.flush();
      } catch (e) {
        if (attempt >= 6) throw e;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  flush(): Promise<void> {
    this.chain = this.chain.catch(() => undefined).then(async () => {
      if (!this.items.length) return;
      const batch = this.items;
      this.items = [];
      try {
        await this.db.query(FLUSH_RESULTS_SQL, [
          this.blastId,
          this.workerId,
          batch.map((o) => o.subscriberId),
          batch.map((o) => o.status),
          batch.map((o) => o.messageId),
          batch.map((o) => o.code),
          batch.map((o) => o.response),
          batch.map((o) => o.nextAttemptAt),
          batch.map((o) => o.sentAt),
          this.token,
        ]);
      } catch (e) {
        // Keep them for the next flush (e.g. PostgreSQL restarting); they stay `sending` meanwhile.
        this.items = batch.concat(this.items);
        throw e;
      }
    });
    return this.chain;
  }
}
