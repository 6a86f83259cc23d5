import { OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { DataSource } from 'typeorm';
import { Env } from '../config/env';
import { jobPayload, JOBS, QUEUES, SendMailJob } from '../queue/queues';
import { MailTransportService } from './mail-transport.service';

/** Statuses that never receive anything, not even transactional mail (PREF-5). */
const NEVER_MAIL = ['bounced', 'complained'];

@Processor(QUEUES.mail)
export class MailProcessor {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    private readonly transport: MailTransportService,
    private readonly dataSource: DataSource,
    private readonly env: Env,
  ) {}

  @Process({ name: JOBS.mail.send, concurrency: 4 })
  async send(job: Job<SendMailJob>): Promise<{ messageId?: string; skipped?: string }> {
    const payload = jobPayload(SendMailJob, job);
    if (!payload) return { skipped: 'invalid-payload' };
    if (payload.subscriberId) {
      const rows: { status: string; erased: boolean }[] = await this.dataSource.query(
        'SELECT status, erased_at IS NOT NULL AS erased FROM subscribers WHERE id = $1',
        [payload.subscriberId],
      );
      // Erased after this message was queued (SUB-5): it is not sent.
      const skip = rows[0]?.erased ? 'erased' : rows[0] && NEVER_MAIL.includes(rows[0].status) ? rows[0].status : null;
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
