import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { jobPayload, JOBS, OptInReminderJob, QUEUES } from '../core/queue/queues';
import { DoubleOptInService } from './double-opt-in.service';


/** Sends the one reminder to signups still unconfirmed after DOUBLE_OPT_IN_REMINDER_DELAY_MS. */
@Processor(QUEUES.doubleOptIn)
export class OptInReminderProcessor {
  constructor(private readonly doubleOptIn: DoubleOptInService) {}

  @Process({ name: JOBS.doubleOptIn.remind, concurrency: 2 })
  async remind(job: Job<OptInReminderJob>): Promise<string> {
    const payload = jobPayload(OptInReminderJob, job);
    if (!payload) return 'invalid-payload';
    return this.doubleOptIn.remind(payload.subscriberId);
  }
}
