import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { Env } from '../config/env';
import { JOBS, QUEUES, SendMailJob } from '../queue/queues';
import { MailTransportService, SentInfo } from './mail-transport.service';

/** Transactional mail. Callers enqueue; the worker's MailProcessor sends, with retries and back-off. */
@Injectable()
export class MailService {
  constructor(
    @InjectQueue(QUEUES.mail) private readonly queue: Queue<SendMailJob>,
    private readonly transport: MailTransportService,
    private readonly env: Env,
  ) {}

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
