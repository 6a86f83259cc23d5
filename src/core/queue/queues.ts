import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, MaxLength, Min, validateSync } from 'class-validator';
import { IsEmailAddress } from '../mail/email-address';

/**
 * Every queue, job name and job payload of Cloture — the only place they are named. Payloads outlive deploys
 * (a job queued by one version may run on the next), so processors validate them again when they consume them,
 * with `jobPayload` and the payload class declared here.
 */
export const QUEUES = {
  /** Transactional mail: test email, petition thank-you, opt-in confirmation. No caps, retried with back-off. */
  mail: 'mail',
  /** Double opt-in (COMP-4): the one delayed reminder to a signup that has not confirmed yet. */
  doubleOptIn: 'double-opt-in',
  /** CSV imports of subscribers (SUB-4): one job per uploaded file, streamed from PostgreSQL, one set-based merge. */
  imports: 'imports',
  /** Blasts: freezing an audience, then sending it in batches (MSG-6..8). Rate-limited globally, not by Bull. */
  blasts: 'blasts',
  /** The Senate roster's refresh from LEGISLATORS_SOURCE_URL: repeatable on LEGISLATORS_REFRESH_CRON, or triggered. */
  legislators: 'legislators',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  mail: { send: 'send' },
  doubleOptIn: { remind: 'remind' },
  imports: { run: 'run' },
  blasts: { freeze: 'freeze', sendBatch: 'send-batch' },
  legislators: { refresh: 'refresh' },
} as const;

/** A transactional message. `to` is one address; the processor refuses bounced/complained recipients (PREF-5). */
export class SendMailJob {
  @IsEmailAddress() to: string;
  @IsString() @MaxLength(998) subject: string;
  @IsOptional() @IsString() html?: string;
  @IsString() text: string;
  @IsOptional() @IsString() from?: string;
  @IsOptional() @IsString() replyTo?: string;
  @IsOptional() @IsObject() headers?: Record<string, string>;
  /** Why this mail exists, for logs and stats (e.g. `petition-thank-you`). */
  @IsString() kind: string;
  /** Subscriber it concerns, when known — lets the processor check suppression without reading the address. */
  @IsOptional() @IsUUID() subscriberId?: string;
}

/** Freeze a blast's audience (idempotent: a second freeze of the same blast inserts nothing) and enqueue its batches. */
export class FreezeBlastJob {
  @IsUUID() blastId: string;
}

/** Send one batch of a frozen blast: the pending rows with seq in [batch × batchSize, (batch + 1) × batchSize). */
export class SendBlastBatchJob {
  @IsUUID() blastId: string;
  @IsInt() @Min(0) batch: number;
}

/** Run one uploaded CSV import (its file and options are in `imports` / `import_uploads`). Job id = import id. */
export class RunImportJob {
  @IsUUID() importId: string;
}

/** Remind an unconfirmed signup once (delayed by DOUBLE_OPT_IN_REMINDER_DELAY_MS); nothing if confirmed meanwhile. */
export class OptInReminderJob {
  @IsUUID() subscriberId: string;
}

/** Refresh the roster from the configured source now (the schedule and an admin's trigger queue the same job). */
export class RefreshRosterJob {
  @IsIn(['schedule', 'manual']) trigger: 'schedule' | 'manual';
}

const payloadLogger = new Logger('JobPayload');

/**
 * A job's payload checked against its class, or null — logged (ids only) so the caller drops the job: a malformed
 * payload cannot get better with retries. The one way every processor reads `job.data`.
 */
export function jobPayload<T extends object>(cls: new () => T, job: Job): T | null {
  const payload = plainToInstance(cls, job.data ?? {});
  if (validateSync(payload).length === 0) return payload;
  payloadLogger.error(`${job.queue?.name ?? 'queue'} job ${job.id} (${job.name}) has an invalid payload; dropped`);
  return null;
}
