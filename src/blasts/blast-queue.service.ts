import { InjectQueue } from '@nestjs/bull';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobOptions, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { FreezeBlastJob, JOBS, QUEUES, SendBlastBatchJob } from '../core/queue/queues';
import { SegmentsService } from '../segments/segments.service';
import { SettingsService } from '../settings/settings.service';
import { SubscribersService } from '../subscribers/subscribers.service';
import { describeDatabaseError, isTransientInfrastructureError } from '../core/database/database-errors';
import {
  CLEAR_FAILURES_SQL,
  COMPLETE_BLAST_SQL,
  FREEZE_LOCK_KEY,
  freezeSql,
  PAUSE_FOR_FAILURES_SQL,
  PENDING_BATCHES_SQL,
  RECORD_FAILURE_SQL,
  rowsOf,
} from './blast-queries';

/** Bull keeps nothing we need after a job ends; failed jobs are removed too, so their id can be queued again. */
const JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
};
const ADD_BULK_CHUNK = 500;
/**
 * Failed freeze or claim attempts in a row (across job retries and reconciler rounds) before a blast pauses itself:
 * a statement PostgreSQL refuses this often will not start working by itself, and an organizer must hear of it.
 */
export const MAX_CONSECUTIVE_FAILURES = 5;

export const freezeJobId = (blastId: string) => `freeze:${blastId}`;
/** Deterministic: queuing the same batch twice while it waits or runs is a no-op. `rescue` names a re-enqueue round. */
export const batchJobId = (blastId: string, batch: number, rescue?: number) =>
  rescue === undefined ? `send:${blastId}:${batch}` : `send:${blastId}:${batch}:r${rescue}`;

export interface FreezeResult {
  frozen: boolean;
  total: number;
  pending: number;
  batches: number;
}

/**
 * Freezing an audience (MSG-6, PREF-2..5) and queuing its batches. Used by the api (start sending), the worker
 * (freeze job) and the reconciler (re-enqueue after lost jobs).
 */
@Injectable()
export class BlastQueueService {
  private readonly logger = new Logger(BlastQueueService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.blasts) private readonly queue: Queue,
    private readonly segments: SegmentsService,
    private readonly settings: SettingsService,
    private readonly subscribers: SubscribersService,
    private readonly env: Env,
  ) {}

  async enqueueFreeze(blastId: string): Promise<void> {
    const data: FreezeBlastJob = { blastId };
    await this.queue.add(JOBS.blasts.freeze, data, { ...JOB_OPTIONS, jobId: freezeJobId(blastId) });
  }

  /**
   * One set-based INSERT … SELECT under a transaction-scoped advisory lock: freezes are serialized, so a blast
   * frozen a moment after another sees its pending rows in the caps (PREF-4). A blast already frozen, or no longer
   * sending, is left alone — freezing twice inserts nothing.
   */
  async freeze(blastId: string): Promise<FreezeResult> {
    try {
      return await this.freezeNow(blastId);
    } catch (e) {
      // A segment that no longer compiles (or vanished) will not get better by retrying: hold the blast, say why.
      if (e instanceof HttpException && e.getStatus() < 500) {
        const reason = `audience could not be frozen: ${e.message}`.slice(0, 500);
        await this.db.query(`UPDATE blasts SET status = 'paused', pause_reason = $2, updated_at = now() WHERE id = $1 AND status = 'sending'`, [blastId, reason]);
        this.logger.warn(`blast ${blastId} paused: ${reason}`);
        return { frozen: false, total: 0, pending: 0, batches: 0 };
      }
      await this.recordFailure(blastId, 'freeze', e);
      throw e;
    }
  }

  /**
   * Counts a failed freeze or claim; the MAX_CONSECUTIVE_FAILURES-th in a row pauses the blast with the reason (the
   * error's code and scrubbed message). A database that is down or restarting is not counted: retrying is right.
   */
  async recordFailure(blastId: string, stage: 'freeze' | 'send', e: unknown): Promise<void> {
    if (isTransientInfrastructureError(e)) return;
    const what = describeDatabaseError(e);
    try {
      const [row] = rowsOf<{ failure_count: number }>(await this.db.query(RECORD_FAILURE_SQL, [blastId, `${stage}: ${what}`]));
      this.logger.warn(`blast ${blastId}: ${stage} failed (${row?.failure_count ?? '?'} in a row): ${what}`);
      if (!row || row.failure_count < MAX_CONSECUTIVE_FAILURES) return;
      const verb = stage === 'freeze' ? 'the audience could not be frozen' : 'recipients could not be claimed for sending';
      const reason = `Paused after ${row.failure_count} failed attempts in a row: ${verb} (${what}). Resume once the cause is fixed.`;
      if (rowsOf(await this.db.query(PAUSE_FOR_FAILURES_SQL, [blastId, reason])).length) this.logger.error(`blast ${blastId} paused: ${reason}`);
    } catch (recordError) {
      this.logger.warn(`blast ${blastId}: could not record a ${stage} failure: ${describeDatabaseError(recordError)}`);
    }
  }

  /** A success ends a run of failures. */
  async clearFailures(blastId: string): Promise<void> {
    await this.db.query(CLEAR_FAILURES_SQL, [blastId]);
  }

  private async freezeNow(blastId: string): Promise<FreezeResult> {
    const settings = await this.settings.get();
    const result = await this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [FREEZE_LOCK_KEY]);
      const [b] = await m.query(
        `SELECT id, status, frozen_at, priority, topic_id, segment_id, random_limit, random_seed FROM blasts WHERE id = $1 FOR UPDATE`,
        [blastId],
      );
      if (!b || b.frozen_at || !['sending', 'paused'].includes(b.status)) return null;
      const filter = await this.segments.audienceFilter(b.segment_id, 8);
      const [{ any }] = await m.query(`SELECT EXISTS (SELECT 1 FROM suppressions) AS any`);
      await m.query(`SET LOCAL work_mem = '128MB'`);
      const [counts] = await m.query(freezeSql(filter.sql, any), [
        blastId,
        b.priority,
        settings.orgCapPerDay,
        b.topic_id,
        this.subscribers.suppressionKey,
        b.random_limit,
        b.random_seed,
        ...filter.params,
      ]);
      const batchSize = this.env.SEND_BATCH_SIZE;
      const batches = Math.ceil(counts.pending / batchSize);
      await m.query(
        `UPDATE blasts SET frozen_at = now(), progress_at = now(), batch_size = $2, batch_count = $3, failure_count = 0, updated_at = now() WHERE id = $1`,
        [blastId, batchSize, batches],
      );
      return { frozen: true, total: counts.total as number, pending: counts.pending as number, batches };
    });
    if (!result) return { frozen: false, total: 0, pending: 0, batches: 0 };
    // A million new rows make the table's statistics stale until autovacuum; the send loop's statements are planned
    // on them (a flush must look rows up by key, not scan the blast), so refresh them now.
    if (result.total > 10_000) await this.db.query(`ANALYZE blast_deliveries`);
    this.logger.log(`blast ${blastId} frozen: ${result.total} rows, ${result.pending} to send in ${result.batches} batches`);
    await this.enqueueBatches(blastId, Array.from({ length: result.batches }, (_, i) => i));
    await this.completeIfDone(blastId);
    return result;
  }

  async enqueueBatches(blastId: string, batches: number[], rescue?: number): Promise<void> {
    for (let i = 0; i < batches.length; i += ADD_BULK_CHUNK) {
      await this.queue.addBulk(
        batches.slice(i, i + ADD_BULK_CHUNK).map((batch) => ({
          name: JOBS.blasts.sendBatch,
          data: { blastId, batch } satisfies SendBlastBatchJob,
          opts: { ...JOB_OPTIONS, jobId: batchJobId(blastId, batch, rescue) },
        })),
      );
    }
  }

  /** Re-enqueue every batch that still has due pending rows (resume, lost jobs). */
  async enqueuePendingBatches(blastId: string, rescue?: number): Promise<number> {
    const [b] = await this.db.query(`SELECT batch_size FROM blasts WHERE id = $1`, [blastId]);
    if (!b?.batch_size) return 0;
    const rows: { batch: number }[] = await this.db.query(PENDING_BATCHES_SQL, [blastId, b.batch_size, 100_000]);
    await this.enqueueBatches(blastId, rows.map((r) => r.batch), rescue);
    return rows.length;
  }

  /** Marks the blast `sent` when every row is final; true when it did. */
  async completeIfDone(blastId: string): Promise<boolean> {
    const rows = rowsOf(await this.db.query(COMPLETE_BLAST_SQL, [blastId]));
    if (rows.length) this.logger.log(`blast ${blastId} sent`);
    return rows.length > 0;
  }
}
