import { InjectQueue } from '@nestjs/bull';
import { ConflictException, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { JOBS, QUEUES, RefreshRosterJob } from '../core/queue/queues';
import { RECORD_REFRESH_SQL, REFRESH_STATE_SQL, REFRESH_TRY_LOCK_SQL, REFRESH_UNLOCK_SQL } from './legislator-queries';
import { LegislatorsService, RosterTrigger } from './legislators.service';
import { RosterDiff } from './roster-diff';
import { IncompleteRosterError, parseRoster, RosterFormatError } from './roster-file';
import { displayUrl, fetchRosterText, RosterFetchError } from './roster-source';

/**
 * What a refresh did. imported: the roster changed (see the change); unchanged: the file (same hash) or the roster
 * it describes is the stored one, nothing written; not_modified: the source answered 304; refused: the file is not
 * a whole Senate or not the format; failed: no file (HTTP error, timeout, too large, network); busy: another
 * refresh was running; disabled: no source configured.
 */
export const REFRESH_RESULTS = ['imported', 'unchanged', 'not_modified', 'refused', 'failed', 'busy', 'disabled'] as const;
export type RefreshResult = (typeof REFRESH_RESULTS)[number];

export interface RefreshOutcome {
  result: RefreshResult;
  reason: string | null;
  httpStatus: number | null;
  source: string | null;
  changeId: string | null;
  diff: RosterDiff | null;
  senators: number | null;
}

export interface RefreshState {
  attempts: number;
  lastAttemptAt: Date | null;
  lastTrigger: string | null;
  lastResult: RefreshResult | null;
  lastReason: string | null;
  lastHttpStatus: number | null;
  lastChangeId: string | null;
  sourceUrl: string | null;
  lastSuccessAt: Date | null;
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
  contentBytes: number | null;
}

/** A fetch that succeeded: the validators and hash to remember for the next conditional request. */
interface Fetched {
  etag: string | null;
  lastModified: string | null;
  hash: string | null;
  bytes: number | null;
}

/**
 * The roster keeps itself current (issue 19): fetch LEGISLATORS_SOURCE_URL (timeout, size cap, conditional request,
 * content hash), validate it as a whole Senate, import it. A failed or refused refresh keeps the stored roster and
 * records why (roster_refresh_state, GET /api/v1/legislators/refresh, a JSON log line). The schedule and an admin's
 * trigger queue the same job (RosterRefreshProcessor, workers only); the CLI calls `refresh` directly.
 */
@Injectable()
export class RosterRefreshService {
  private readonly logger = new Logger(RosterRefreshService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly legislators: LegislatorsService,
    private readonly env: Env,
    @InjectQueue(QUEUES.legislators) private readonly queue: Queue<RefreshRosterJob>,
  ) {}

  get sourceUrl(): string {
    return this.env.LEGISLATORS_SOURCE_URL.trim();
  }

  /** Queue a refresh now: the job the schedule queues, run by a worker. */
  async trigger(): Promise<{ jobId: string }> {
    if (!this.sourceUrl) throw new ConflictException('LEGISLATORS_SOURCE_URL is empty: there is no source to refresh the roster from');
    const job = await this.queue.add(JOBS.legislators.refresh, { trigger: 'manual' }, { removeOnComplete: 100, removeOnFail: 100 });
    return { jobId: String(job.id) };
  }

  async state(): Promise<RefreshState & { enabled: boolean; schedule: string | null }> {
    const [row]: RefreshState[] = await this.dataSource.query(REFRESH_STATE_SQL);
    const schedule = this.env.LEGISLATORS_REFRESH_CRON.trim() || null;
    return { ...row, enabled: !!this.sourceUrl && !!schedule, schedule: this.sourceUrl ? schedule : null };
  }

  /**
   * One refresh, at most one at a time across processes (session advisory lock on a connection of its own).
   * `url` overrides the configured source (CLI); `force` imports a roster that is not a whole Senate (CLI only);
   * `conditional` false fetches the whole file even when the last fetch's validators would allow a 304.
   */
  async refresh(trigger: RosterTrigger, options: { url?: string; force?: boolean; conditional?: boolean } = {}): Promise<RefreshOutcome> {
    const url = (options.url ?? this.sourceUrl).trim();
    const started = performance.now();
    if (!url) return this.outcome('disabled', 'LEGISLATORS_SOURCE_URL is empty', null);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let outcome: RefreshOutcome;
    try {
      const [{ locked }]: { locked: boolean }[] = await runner.query(REFRESH_TRY_LOCK_SQL);
      if (!locked) {
        outcome = this.outcome('busy', 'another roster refresh is running', url);
        this.log(trigger, outcome, started);
        return outcome;
      }
      try {
        const [state]: RefreshState[] = await runner.query(REFRESH_STATE_SQL);
        const sameSource = state.sourceUrl === displayUrl(url);
        const { result, fetched } = await this.attempt(trigger, url, {
          force: options.force ?? false,
          validators: options.conditional !== false && sameSource ? { etag: state.etag, lastModified: state.lastModified } : {},
          knownHash: sameSource ? state.contentHash : null,
          previous: state,
        }).catch((e: Error) => {
          // The database or a bug, not the source: recorded like any failure, the detail only in this log line.
          this.logger.error(`roster refresh failed unexpectedly: ${e.name}: ${e.message}`);
          return { result: this.outcome('failed', `unexpected error (${e.name}); see the worker log`, url), fetched: undefined };
        });
        outcome = result;
        await runner.query(RECORD_REFRESH_SQL, [
          trigger,
          outcome.result,
          outcome.reason?.slice(0, 2000) ?? null,
          outcome.httpStatus,
          outcome.changeId,
          displayUrl(url),
          !!fetched,
          fetched?.etag ?? null,
          fetched?.lastModified ?? null,
          fetched?.hash ?? null,
          fetched?.bytes ?? null,
        ]);
      } finally {
        await runner.query(REFRESH_UNLOCK_SQL);
      }
    } finally {
      await runner.release();
    }
    this.log(trigger, outcome, started);
    return outcome;
  }

  private async attempt(
    trigger: RosterTrigger,
    url: string,
    o: { force: boolean; validators: { etag?: string | null; lastModified?: string | null }; knownHash: string | null; previous: RefreshState },
  ): Promise<{ result: RefreshOutcome; fetched?: Fetched }> {
    let fetchedBody: Awaited<ReturnType<typeof fetchRosterText>>;
    try {
      fetchedBody = await fetchRosterText(
        url,
        { timeoutMs: this.env.LEGISLATORS_SOURCE_TIMEOUT_MS, maxBytes: this.env.LEGISLATORS_SOURCE_MAX_BYTES, allowHttp: this.env.LEGISLATORS_SOURCE_ALLOW_HTTP },
        o.validators,
      );
    } catch (e) {
      if (e instanceof RosterFetchError) return { result: this.outcome('failed', e.message, url, e.httpStatus) };
      throw e;
    }
    if (fetchedBody.status === 'not_modified') {
      // The validators and hash stay those of the file last fetched.
      const p = o.previous;
      return {
        result: this.outcome('not_modified', null, url, 304),
        fetched: { etag: p.etag, lastModified: p.lastModified, hash: p.contentHash, bytes: p.contentBytes },
      };
    }
    const fetched: Fetched = { etag: fetchedBody.etag, lastModified: fetchedBody.lastModified, hash: fetchedBody.hash, bytes: fetchedBody.bytes };
    if (o.knownHash && o.knownHash === fetchedBody.hash && !o.force) {
      return { result: this.outcome('unchanged', 'same content as the last fetch', url, fetchedBody.httpStatus), fetched };
    }
    try {
      const imported = await this.legislators.importRoster(parseRoster(fetchedBody.text), {
        force: o.force,
        source: displayUrl(url),
        trigger,
      });
      if (imported.unchanged) {
        return { result: { ...this.outcome('unchanged', 'the file describes the stored roster', url, fetchedBody.httpStatus), senators: imported.senators }, fetched };
      }
      return {
        result: { ...this.outcome('imported', null, url, fetchedBody.httpStatus), changeId: imported.changeId, diff: imported.diff, senators: imported.senators },
        fetched,
      };
    } catch (e) {
      if (e instanceof RosterFormatError) {
        return { result: this.outcome('refused', `not the congress-legislators format: ${e.message}`, url, fetchedBody.httpStatus) };
      }
      if (e instanceof IncompleteRosterError) return { result: this.outcome('refused', e.message, url, fetchedBody.httpStatus) };
      throw e;
    }
  }

  private outcome(result: RefreshResult, reason: string | null, url: string | null, httpStatus: number | null = null): RefreshOutcome {
    return { result, reason, httpStatus, source: url ? displayUrl(url) : null, changeId: null, diff: null, senators: null };
  }

  /** One JSON line per refresh: what happened and why, never the URL's credentials or query. */
  private log(trigger: RosterTrigger, o: RefreshOutcome, started: number): void {
    const d = o.diff;
    const line = {
      msg: `roster refresh ${o.result}${o.reason ? `: ${o.reason}` : ''}`,
      rosterRefresh: {
        trigger,
        result: o.result,
        reason: o.reason,
        httpStatus: o.httpStatus,
        source: o.source,
        changeId: o.changeId,
        durationMs: Math.round(performance.now() - started),
        ...(d && { arrived: d.arrived.length, left: d.left.length, rolesMoved: d.roles.map((r) => r.role), changed: d.changed.length }),
      },
    };
    if (o.result === 'failed' || o.result === 'refused') this.logger.warn(line);
    else this.logger.log(line);
  }
}
