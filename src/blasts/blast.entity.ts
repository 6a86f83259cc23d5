import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const BLAST_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type BlastStatus = (typeof BLAST_STATUSES)[number];
export const BLAST_PRIORITIES = ['normal', 'important'] as const;
export type BlastPriority = (typeof BLAST_PRIORITIES)[number];

/**
 * One email campaign (MSG-1). Lifecycle (MSG-5): draft → scheduled → sending → sent, with paused (resumable) and
 * cancelled. Only drafts are editable. Its recipients live in blast_deliveries once frozen.
 */
@Entity('blasts')
export class Blast {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'text', nullable: true })
  preheader: string | null;

  @Column({ name: 'from_name', type: 'text', nullable: true })
  fromName: string | null;

  @Column({ name: 'from_email', type: 'text', nullable: true })
  fromEmail: string | null;

  @Column({ name: 'reply_to', type: 'text', nullable: true })
  replyTo: string | null;

  /** Handlebars HTML template (MSG-2). */
  @Column({ name: 'html_body', type: 'text' })
  htmlBody: string;

  /** Text template; null → generated from the HTML template. */
  @Column({ name: 'text_body', type: 'text', nullable: true })
  textBody: string | null;

  /** null → every subscriber. */
  @Column({ name: 'segment_id', type: 'uuid', nullable: true })
  segmentId: string | null;

  @Column({ name: 'topic_id', type: 'uuid', nullable: true })
  topicId: string | null;

  @Column({ type: 'text', default: 'normal' })
  priority: BlastPriority;

  /** SEG-4: send to this many of the audience, chosen at random (reproducibly, by random_seed). */
  @Column({ name: 'random_limit', type: 'integer', nullable: true })
  randomLimit: number | null;

  @Column({ name: 'random_seed', type: 'text', select: true, insert: false })
  randomSeed: string;

  @Column({ type: 'text', default: 'draft' })
  status: BlastStatus;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'frozen_at', type: 'timestamptz', nullable: true })
  frozenAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  /** Why the blast paused itself (complaint-rate guard, repeated freeze/send failures), null when paused by hand. */
  @Column({ name: 'pause_reason', type: 'text', nullable: true })
  pauseReason: string | null;

  @Column({ name: 'batch_size', type: 'integer', nullable: true })
  batchSize: number | null;

  @Column({ name: 'batch_count', type: 'integer', nullable: true })
  batchCount: number | null;

  /** Messages re-sent after a worker died while they were in flight: each may have arrived twice (MSG-7). */
  @Column({ name: 'possible_duplicates', type: 'integer', default: 0 })
  possibleDuplicates: number;

  /** Consecutive failed freeze/claim attempts; reset by a success or a resume (BlastFailures). */
  @Column({ name: 'failure_count', type: 'integer', default: 0 })
  failureCount: number;

  /** The last failure, scrubbed of values (describeDatabaseError), for the organizer. */
  @Column({ name: 'last_failure', type: 'text', nullable: true })
  lastFailure: string | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
