import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { JOBS, OptInReminderJob, QUEUES } from '../core/queue/queues';
import { DoubleOptInService } from './double-opt-in.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Sends the one reminder to signups still unconfirmed after DOUBLE_OPT_IN_REMINDER_DELAY_MS. */
@Processor(QUEUES.doubleOptIn)
export class OptInReminderProcessor {
  private readonly logger = new Logger(OptInReminderProcessor.name);

  constructor(private readonly doubleOptIn: DoubleOptInService) {}

  @Process({ name: JOBS.doubleOptIn.remind, concurrency: 2 })
  async remind(job: Job<OptInReminderJob>): Promise<string> {
    const id = job.data?.subscriberId;
    if (typeof id !== 'string' || !UUID.test(id)) {
      // Permanent: a malformed payload will not get better with retries.
      this.logger.error(`opt-in reminder job ${job.id} has an invalid payload; dropped`);
      return 'invalid-payload';
    }
    return this.doubleOptIn.remind(id);
  }
}
