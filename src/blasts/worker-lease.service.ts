import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { describeDatabaseError } from '../core/database/database-errors';
import { HEARTBEAT_SQL, LIVENESS_LOCK_SQL } from './blast-queries';

/**
 * This worker's right to send the rows it has claimed (MSG-7, REL-3). Other workers take over the rows of a worker
 * that is silent for BLAST_WORKER_STALE_MS (a pause: GC, a frozen VM, a network partition) or whose process is gone
 * (its liveness lock released). So before handing a message to SMTP a worker must know it still holds its claims:
 *
 * - it heartbeats often (a sixth of the stale interval) and keeps the monotonic time of its last successful beat;
 * - it may send only while that beat is younger than a third of the stale interval, and only rows claimed after the
 *   last gap in its beats (a process paused past the stale interval may have lost them, and wakes up believing
 *   otherwise: its first beat after the pause is fresh, but the gap before it is recorded);
 * - it holds a session advisory lock on a connection of its own: PostgreSQL releases it the moment the process dies
 *   (kill -9, OOM), so others take over its rows within seconds instead of the whole stale interval.
 *
 * Monotonic time (performance.now) keeps running while a process is stopped, so a pause always shows as a gap.
 */
@Injectable()
export class WorkerLeaseService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerLeaseService.name);
  /** This process, as recorded in claimed rows and blast_workers (`<hostname>:<pid>:<random>`). */
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** How often this worker beats. */
  readonly beatEveryMs: number;
  /** A worker may send only while its last beat is younger than this. */
  readonly safeMs: number;
  /** How long a worker whose liveness lock is gone may stay silent before others take its rows. */
  readonly deadGraceMs: number;

  private lastBeatOk = Number.NEGATIVE_INFINITY;
  private lastGapAt = Number.NEGATIVE_INFINITY;
  private beating?: Promise<boolean>;
  private timer?: NodeJS.Timeout;
  private lock?: Client;
  private lockHeld = false;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly env: Env,
  ) {
    const stale = env.BLAST_WORKER_STALE_MS;
    this.beatEveryMs = Math.max(100, Math.min(env.BLAST_RECONCILE_INTERVAL_MS, Math.floor(stale / 6)));
    this.safeMs = Math.floor(stale / 3);
    this.deadGraceMs = Math.min(Math.floor(stale / 2), 2 * this.beatEveryMs + 500);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.beat(), this.beatEveryMs);
    void this.holdLivenessLock();
    void this.beat();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.lock?.end().catch(() => undefined);
  }

  /** Rows claimed at monotonic time `claimedAt` may still be sent: beats fresh, and no gap since the claim. */
  holds(claimedAt: number): boolean {
    const now = performance.now();
    return this.lockHeld && now - this.lastBeatOk <= this.safeMs && this.lastGapAt < claimedAt;
  }

  /** Beats have been continuous for the last `ms` (this worker's view of the database can be trusted). */
  continuousFor(ms: number): boolean {
    const now = performance.now();
    return now - this.lastBeatOk <= this.safeMs && now - this.lastGapAt >= ms;
  }

  /** Monotonic now, for stamping claims. */
  now(): number {
    return performance.now();
  }

  /** One heartbeat (concurrent callers share it); true when it reached the database. */
  beat(): Promise<boolean> {
    this.beating ??= (async () => {
      try {
        await this.db.query(HEARTBEAT_SQL, [this.workerId, this.lockHeld]);
        const now = performance.now();
        // A gap: the previous beat is older than the fence allows (a pause, an outage). Claims older than this are suspect.
        if (now - this.lastBeatOk > this.safeMs) this.lastGapAt = now;
        this.lastBeatOk = now;
        return true;
      } catch (e) {
        this.logger.warn(`heartbeat failed: ${describeDatabaseError(e)}`);
        return false;
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  /** Beats now if the last beat is too old to send on; true when this worker may claim and send. */
  async ensureFresh(): Promise<boolean> {
    if (this.lockHeld && performance.now() - this.lastBeatOk <= this.safeMs) return true;
    return (await this.beat()) && this.lockHeld;
  }

  /** Keeps the session advisory lock on a dedicated connection; a lost connection is a gap and is re-established. */
  private async holdLivenessLock(): Promise<void> {
    while (!this.closed) {
      const client = new Client({ connectionString: this.env.DATABASE_URL, application_name: 'cloture-liveness' });
      // Listeners first: an error event without one would end the process.
      const lost = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.once('end', () => resolve());
      });
      try {
        await client.connect();
        await client.query(LIVENESS_LOCK_SQL, [this.workerId]);
        this.lock = client;
        this.lockHeld = true;
        await lost;
      } catch (e) {
        if (!this.closed) this.logger.warn(`liveness lock unavailable: ${describeDatabaseError(e)}`);
      }
      this.lockHeld = false;
      this.lastGapAt = performance.now();
      await client.end().catch(() => undefined);
      if (!this.closed) await new Promise((r) => setTimeout(r, 250));
    }
  }
}
