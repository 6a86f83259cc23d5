import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { jobPayload, JOBS, QUEUES, RunImportJob } from '../../core/queue/queues';
import { ImportRunnerService } from './import-runner.service';

/** Consumes the `imports` queue: one CSV import at a time per worker (each is one long, heavy transaction). */
@Processor(QUEUES.imports)
export class ImportsProcessor {
  constructor(private readonly runner: ImportRunnerService) {}

  @Process({ name: JOBS.imports.run, concurrency: 1 })
  async run(job: Job<RunImportJob>): Promise<void> {
    const payload = jobPayload(RunImportJob, job);
    if (!payload) return;
    const attempts = job.opts.attempts ?? 1;
    await this.runner.run(payload.importId, job.attemptsMade + 1 >= attempts);
  }
}
