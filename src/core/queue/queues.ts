/**
 * Every queue, job name and job payload of Cloture — the only place they are named. Payloads outlive deploys
 * (a job queued by one version may run on the next), so processors validate them again when they consume them.
 */
export const QUEUES = {
  /** Transactional mail: test email, petition thank-you, opt-in confirmation. No caps, retried with back-off. */
  mail: 'mail',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  mail: { send: 'send' },
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
