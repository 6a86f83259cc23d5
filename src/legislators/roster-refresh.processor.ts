import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { jobPayload, JOBS, QUEUES, RefreshRosterJob } from '../core/queue/queues';
import { RefreshOutcome, RosterRefreshService } from './roster-refresh.service';

/**
 * Runs the roster refresh job: the schedule's repeatable job and an admin's trigger are the same job, so a trigger
 * exercises exactly what the schedule does. One at a time per worker; across workers the refresh lock decides.
 */
@Processor(QUEUES.legislators)
export class RosterRefreshProcessor {
  private readonly logger = new Logger(RosterRefreshProcessor.name);

  constructor(private readonly refresher: RosterRefreshService) {}

  @Process({ name: JOBS.legislators.refresh, concurrency: 1 })
  async refresh(job: Job<RefreshRosterJob>): Promise<Pick<RefreshOutcome, 'result' | 'reason' | 'changeId'>> {
    // A malformed payload is dropped (logged by jobPayload): the next tick or trigger refreshes anyway.
    const payload = jobPayload(RefreshRosterJob, job);
    if (!payload) return { result: 'failed', reason: 'invalid job payload', changeId: null };
    const { result, reason, changeId } = await this.refresher.refresh(payload.trigger);
    if (result === 'busy') this.logger.log(`roster refresh job ${job.id}: another refresh was running`);
    return { result, reason, changeId };
  }
}
