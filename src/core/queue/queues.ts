/**
 * Every queue, job name and job payload of Cloture — the only place they are named. Payloads outlive deploys
 * (a job queued by one version may run on the next), so processors validate them again when they consume them.
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
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  mail: { send: 'send' },
  doubleOptIn: { remind: 'remind' },
  imports: { run: 'run' },
  blasts: { freeze: 'freeze', sendBatch: 'send-batch' },
} as const;

/** A transactional message. `to` is one address; the processor refuses bounced/complained recipients (PREF-5). */
export interface SendMailJob {
  to: string;
  subject: string;
  html?: string;
  text: string;
  from?: string;
  replyTo?: string;
  headers?: Record<string, string>;
  /** Why this mail exists, for logs and stats (e.g. `petition-thank-you`). */
  kind: string;
  /** Subscriber it concerns, when known — lets the processor check suppression without reading the address. */
  subscriberId?: string;
}

/** Freeze a blast's audience (idempotent: a second freeze of the same blast inserts nothing) and enqueue its batches. */
export interface FreezeBlastJob {
  blastId: string;
}

/** Send one batch of a frozen blast: the pending rows with seq in [batch × batchSize, (batch + 1) × batchSize). */
export interface SendBlastBatchJob {
  blastId: string;
  batch: number;
}

/** Run one uploaded CSV import (its file and options are in `imports` / `import_uploads`). Job id = import id. */
export interface RunImportJob {
  importId: string;
}

/** Remind an unconfirmed signup once (delayed by DOUBLE_OPT_IN_REMINDER_DELAY_MS); nothing if confirmed meanwhile. */
export interface OptInReminderJob {
  subscriberId: string;
}
