import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { Env } from '../config/env';
import { JOBS, QUEUES, SendMailJob } from '../queue/queues';
import { MailTransportService, SentInfo } from './mail-transport.service';

const FORGET_PAGE = 500;

/** Why transactional mail must not reach a subscriber now (e.g. `erased`, `bounced`), or null when it may. */
export type RecipientCheck = (subscriberId: string) => Promise<string | null>;

/** Transactional mail. Callers enqueue; the worker's MailProcessor sends, with retries and back-off. */
@Injectable()
export class MailService {
  private recipientCheck: RecipientCheck | null = null;

  constructor(
    @InjectQueue(QUEUES.mail) private readonly queue: Queue<SendMailJob>,
    private readonly transport: MailTransportService,
    private readonly env: Env,
  ) {}

  /**
   * The module that owns subscribers tells the mail processor whom it may no longer write to (PREF-5, SUB-5): core
   * never reads the subscribers table itself.
   */
  registerRecipientCheck(check: RecipientCheck): void {
    this.recipientCheck = check;
  }

  /** Why a queued message to this subscriber must be dropped, or null to send it. */
  recipientSkipReason(subscriberId: string): Promise<string | null> {
    return this.recipientCheck ? this.recipientCheck(subscriberId) : Promise.resolve(null);
  }

  /** Queue a message; `jobId` makes the enqueue idempotent (the same id queued twice sends once). */
  async enqueue(message: SendMailJob, jobId?: string): Promise<void> {
    await this.queue.add(JOBS.mail.send, message, {
      jobId,
      attempts: this.env.MAIL_RETRY_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.env.MAIL_RETRY_DELAY_MS },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
  }

  /**
   * SUB-5: forget every queued, delayed, failed or kept-as-completed message to this person (the job data holds the
   * address and the body). Paged, ids first: the queue never has to fit in memory. A message already being sent
   * cannot be withdrawn; the processor drops it if the person was erased. Returns how many were removed.
   */
  async forgetRecipient(email: string, subscriberId?: string): Promise<number> {
    const address = email.toLowerCase();
    const matches = (job: { data?: Partial<SendMailJob> } | null) =>
      !!job?.data && ((typeof job.data.to === 'string' && job.data.to.toLowerCase() === address) || (!!subscriberId && job.data.subscriberId === subscriberId));
    const ids: string[] = [];
    for (const state of ['waiting', 'delayed', 'paused', 'failed', 'completed'] as const) {
      for (let start = 0; ; start += FORGET_PAGE) {
        const jobs = await this.queue.getJobs([state], start, start + FORGET_PAGE - 1, true);
        for (const job of jobs) if (matches(job)) ids.push(String(job.id));
        if (jobs.length < FORGET_PAGE) break;
      }
    }
    let removed = 0;
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (job && matches(job)) {
        await job.remove().then(() => removed++, () => undefined); // active meanwhile: the processor's check drops it
      }
    }
    return removed;
  }

  /** Sends now, bypassing the queue — for the admin's "test my settings" email, whose result they wait for. */
  async sendTestEmail(to: string): Promise<SentInfo & { mode: string }> {
    const sentAt = new Date().toISOString();
    const info = await this.transport.send({
      from: this.env.MAIL_FROM,
      to,
      subject: 'Cloture test email',
      text: `This is a test email from Cloture, sent at ${sentAt}.\n\nIf you can read it, the mail settings work.\n`,
      html: `<p>This is a test email from Cloture, sent at ${sentAt}.</p><p>If you can read it, the mail settings work.</p>`,
    });
    return { ...info, mode: this.transport.mode };
  }
}
