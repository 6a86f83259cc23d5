import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { FreezeBlastJob, jobPayload, JOBS, QUEUES, SendBlastBatchJob } from '../core/queue/queues';
import { BlastQueueService } from './blast-queue.service';
import { BlastSenderService } from './blast-sender.service';

/** Blast jobs: freeze an audience, send a batch. Payloads are validated again here (they outlive deploys). */
@Processor(QUEUES.blasts)
export class BlastsProcessor {
  constructor(
    private readonly queue: BlastQueueService,
    private readonly sender: BlastSenderService,
  ) {}

  @Process({ name: JOBS.blasts.freeze, concurrency: 1 })
  async freeze(job: Job<FreezeBlastJob>) {
    const payload = jobPayload(FreezeBlastJob, job);
    if (!payload) return { skipped: 'invalid-payload' };
    return this.queue.freeze(payload.blastId);
  }

  @Process({ name: JOBS.blasts.sendBatch, concurrency: 4 })
  async sendBatch(job: Job<SendBlastBatchJob>) {
    const payload = jobPayload(SendBlastBatchJob, job);
    if (!payload) return { skipped: 'invalid-payload' };
    return this.sender.runBatch(payload.blastId, payload.batch);
  }
}
