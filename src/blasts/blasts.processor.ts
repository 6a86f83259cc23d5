import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { plainToInstance } from 'class-transformer';
import { IsInt, IsUUID, Min, validateSync } from 'class-validator';
import { FreezeBlastJob, JOBS, QUEUES, SendBlastBatchJob } from '../core/queue/queues';
import { BlastQueueService } from './blast-queue.service';
import { BlastSenderService } from './blast-sender.service';

class FreezePayload implements FreezeBlastJob {
  @IsUUID() blastId: string;
}

class BatchPayload implements SendBlastBatchJob {
  @IsUUID() blastId: string;
  @IsInt() @Min(0) batch: number;
}

function valid<T extends object>(cls: new () => T, data: unknown): T | null {
  const payload = plainToInstance(cls, data);
  return validateSync(payload).length ? null : payload;
}

/** Blast jobs: freeze an audience, send a batch. Payloads are validated again here (they outlive deploys). */
@Processor(QUEUES.blasts)
export class BlastsProcessor {
  private readonly logger = new Logger(BlastsProcessor.name);

  constructor(
    private readonly queue: BlastQueueService,
    private readonly sender: BlastSenderService,
  ) {}

  @Process({ name: JOBS.blasts.freeze, concurrency: 1 })
  async freeze(job: Job<FreezeBlastJob>) {
    const payload = valid(FreezePayload, job.data);
    if (!payload) {
      this.logger.error(`freeze job ${job.id} has an invalid payload; dropped`);
      return { skipped: 'invalid-payload' };
    }
    return this.queue.freeze(payload.blastId);
  }

  @Process({ name: JOBS.blasts.sendBatch, concurrency: 4 })
  async sendBatch(job: Job<SendBlastBatchJob>) {
    const payload = valid(BatchPayload, job.data);
    if (!payload) {
      this.logger.error(`send job ${job.id} has an invalid payload; dropped`);
      return { skipped: 'invalid-payload' };
    }
    return this.sender.runBatch(payload.blastId, payload.batch);
  }
}
