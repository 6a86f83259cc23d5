import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { SettingsService } from '../settings/settings.service';
import { PRUNE_WORKERS_SQL, RECOVER_STALE_SQL, rowsOf } from './blast-queries';
import { BlastQueueService } from './blast-queue.service';
import { BlastSenderService } from './blast-sender.service';
import { WorkerLeaseService } from './worker-lease.service';


/**
 * Keeps blasts moving whatever happens to Redis or a worker (MSG-7, REL-1). A plain interval in every worker — not
 * a Bull repeatable job, which would vanish with Redis' memory (heartbeats are WorkerLeaseService's):
 * - hand rows left `sending` by dead workers back to `pending`, counted as possible duplicates, and re-queue their
 *   blasts at once;
 * - start scheduled blasts that are due;
 * - for sending blasts: re-queue a lost freeze; re-queue the pending batches of a blast that made no progress for
 *   BLAST_WORKER_STALE_MS (jobs lost with Redis, or held by a killed worker); mark finished blasts `sent`.
 */
@Injectable()
export class BlastReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BlastReconciler.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private ticks = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: BlastQueueService,
    private readonly sender: BlastSenderService,
    private readonly settings: SettingsService,
    private readonly lease: WorkerLeaseService,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.env.BLAST_RECONCILE_INTERVAL_MS);
    void this.lease.beat().then(() => this.tick());
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.running || this.sender.isStopping) return;
    this.running = true;
    try {
      if (this.ticks++ % 1000 === 0) await this.db.query(PRUNE_WORKERS_SQL);
      // Judging another worker dead by its released lock needs this worker's own view to be sound: after an outage
      // (a PostgreSQL restart drops every lock) everyone gets the grace interval to take theirs again.
      const judge = this.lease.continuousFor(this.lease.deadGraceMs);
      const [{ recovered, blast_ids: recoveredBlasts }] = await this.db.query(RECOVER_STALE_SQL, [
        this.env.BLAST_WORKER_STALE_MS,
        judge,
        this.lease.deadGraceMs,
      ]);
      if (recovered) {
        this.logger.warn(`recovered ${recovered} in-flight message(s) of dead workers; they will be re-sent (possible duplicates)`);
        // Their batches were held by the dead worker: queue them again now rather than after the stale interval.
        const round = Date.now();
        for (const blastId of recoveredBlasts as string[]) await this.queue.enqueuePendingBatches(blastId, round);
      }

      // COMP-1: a scheduled blast never goes out without the footer's legal name and postal address.
      const notReady = SettingsService.notReadyReason(await this.settings.get());
      if (notReady) {
        const held = rowsOf<{ id: string }>(
          await this.db.query(
            `UPDATE blasts SET status = 'paused', pause_reason = $1, updated_at = now()
              WHERE status = 'scheduled' AND scheduled_at <= now() RETURNING id`,
            [`organization settings incomplete: ${notReady}`],
          ),
        );
        for (const b of held) this.logger.warn(`scheduled blast ${b.id} is due but the settings are incomplete: paused`);
      }
      const due = rowsOf<{ id: string }>(
        await this.db.query(
          `UPDATE blasts SET status = 'sending', started_at = now(), updated_at = now()
            WHERE status = 'scheduled' AND scheduled_at <= now() RETURNING id`,
        ),
      );
      for (const b of due) {
        this.logger.log(`scheduled blast ${b.id} is due: sending`);
        await this.queue.enqueueFreeze(b.id);
      }

      const sending: { id: string; frozen: boolean; stalled: boolean }[] = await this.db.query(
        `SELECT id, frozen_at IS NOT NULL AS frozen,
                coalesce(progress_at, started_at, updated_at) < now() - $1::int * interval '1 millisecond' AS stalled
           FROM blasts WHERE status = 'sending'`,
        [this.env.BLAST_WORKER_STALE_MS],
      );
      for (const b of sending) {
        if (!b.frozen) {
          await this.queue.enqueueFreeze(b.id);
          continue;
        }
        if (await this.queue.completeIfDone(b.id)) continue;
        if (b.stalled) {
          const round = Math.floor(Date.now() / this.env.BLAST_WORKER_STALE_MS);
          const n = await this.queue.enqueuePendingBatches(b.id, round);
          if (n) {
            await this.db.query(`UPDATE blasts SET progress_at = now() WHERE id = $1`, [b.id]);
            this.logger.warn(`blast ${b.id} made no progress; re-queued ${n} batch(es)`);
          }
        }
      }
    } catch (e) {
      this.logger.warn(`reconcile failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
