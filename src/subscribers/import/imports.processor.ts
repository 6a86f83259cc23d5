import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { isUUID } from 'class-validator';
import { JOBS, QUEUES, RunImportJob } from '../../core/queue/queues';
import { ImportRunnerService } from './import-runner.service';

/** Consumes the `imports` queue: one CSV import at a time per worker (each is one long, heavy transaction). */
@Processor(QUEUES.imports)
export class ImportsProcessor {
  private readonly logger = new Logger(ImportsProcessor.name);

  constructor(private readonly runner: ImportRunnerService) {}

  @Process({ name: JOBS.imports.run, concurrency: 1 })
  async run(job: Job<RunImportJob>): Promise<void> {
    if (!isUUID(job.data?.importId)) {
      this.logger.error(`import job ${job.id} has an invalid payload; dropped`);
      return;
    }
    const attempts = job.opts.attempts ?? 1;
    await this.runner.run(job.data.importId, job.attemptsMade + 1 >= attempts);
  }
}
