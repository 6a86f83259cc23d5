import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { Env } from '../core/config/env';
import { JOBS, QUEUES, RefreshRosterJob } from '../core/queue/queues';
import { displayUrl } from './roster-source';

/** Fixed id of the repeatable job: every worker registers the same one, so Bull runs each tick once. */
const REPEAT_JOB_ID = 'roster-refresh';

/**
 * Registers the scheduled roster refresh (workers only): a Bull repeatable job on LEGISLATORS_REFRESH_CRON, which
 * Bull runs once per tick whatever the number of workers. A schedule left from an earlier setting is removed; an
 * empty cron or source URL removes it altogether. Redis forgets it only with its data, and the next worker start
 * registers it again.
 */
@Injectable()
export class RosterRefreshScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RosterRefreshScheduler.name);

  constructor(
    @InjectQueue(QUEUES.legislators) private readonly queue: Queue<RefreshRosterJob>,
    private readonly env: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const cron = this.env.LEGISLATORS_REFRESH_CRON.trim();
    const url = this.env.LEGISLATORS_SOURCE_URL.trim();
    try {
      for (const r of await this.queue.getRepeatableJobs()) {
        if (r.name === JOBS.legislators.refresh && (!cron || !url || r.cron !== cron || r.tz !== 'UTC')) {
          await this.queue.removeRepeatableByKey(r.key);
        }
      }
      if (!cron || !url) {
        this.logger.log('scheduled roster refresh is off (LEGISLATORS_REFRESH_CRON or LEGISLATORS_SOURCE_URL empty)');
        return;
      }
      await this.queue.add(
        JOBS.legislators.refresh,
        { trigger: 'schedule' },
        { jobId: REPEAT_JOB_ID, repeat: { cron, tz: 'UTC' }, removeOnComplete: 50, removeOnFail: 50 },
      );
      this.logger.log(`roster refresh scheduled: "${cron}" (UTC) from ${displayUrl(url)}`);
    } catch (e) {
      // Redis down at start: the next start registers it; the roster stays as it is meanwhile.
      this.logger.warn(`roster refresh not scheduled: ${(e as Error).message}`);
    }
  }
}
