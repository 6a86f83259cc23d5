import { OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { Env } from '../config/env';
import { jobPayload, JOBS, QUEUES, SendMailJob } from '../queue/queues';
import { MailTransportService } from './mail-transport.service';
import { MailService } from './mail.service';

@Processor(QUEUES.mail)
export class MailProcessor {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    private readonly transport: MailTransportService,
    private readonly mail: MailService,
    private readonly env: Env,
  ) {}

  @Process({ name: JOBS.mail.send, concurrency: 4 })
  async send(job: Job<SendMailJob>): Promise<{ messageId?: string; skipped?: string }> {
    const payload = jobPayload(SendMailJob, job);
    if (!payload) return { skipped: 'invalid-payload' };
    if (payload.subscriberId) {
      // Erased, bounced or complained since this message was queued: it is not sent.
      const skip = await this.mail.recipientSkipReason(payload.subscriberId);
      if (skip) {
        this.logger.log(`mail job ${job.id} (${payload.kind}) skipped: recipient ${skip}`);
        return { skipped: skip };
      }
    }
    const info = await this.transport.send({
      from: payload.from ?? this.env.MAIL_FROM,
      to: payload.to,
      replyTo: payload.replyTo,
      subject: payload.subject,
      text: payload.text,
      html: payload.html,
      headers: payload.headers,
    });
    this.logger.log(`mail job ${job.id} (${payload.kind}) sent`);
    return { messageId: info.messageId };
  }

  @OnQueueFailed()
  onFailed(job: Job<SendMailJob>, err: Error): void {
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn(`mail job ${job.id} (${job.data?.kind}) attempt ${job.attemptsMade} failed${final ? ', giving up' : ''}: ${err.message}`);
  }
}
