import { Column, Entity, PrimaryColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled', 'bounced', 'complained'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const SKIP_REASONS = ['not_subscribed', 'suppressed', 'topic_opt_out', 'frequency_cap', 'org_cap'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * One recipient of one blast (MSG-6, MSG-10), written when the audience is frozen. `sent` means the person
 * received it (segments' `received` rule and the frequency caps read that). Unique per (blast, subscriber).
 */
@Entity('blast_deliveries')
export class BlastDelivery {
  @PrimaryColumn({ name: 'blast_id', type: 'uuid' })
  blastId: string;

  @PrimaryColumn({ name: 'subscriber_id', type: 'uuid' })
  subscriberId: string;

  @Column({ type: 'text' })
  status: DeliveryStatus;

  @Column({ name: 'skip_reason', type: 'text', nullable: true })
  skipReason: SkipReason | null;

  /** Position in the send order; batch n holds seq in [n × batch_size, (n + 1) × batch_size). Null when skipped. */
  @Column({ type: 'integer', nullable: true })
  seq: number | null;

  @Column({ type: 'smallint', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  /** The batch job that claimed the row (one worker runs several); see claimSql. */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken: string | null;

  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy: string | null;

  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt: Date | null;

  @Column({ name: 'possible_duplicate', type: 'boolean', default: false })
  possibleDuplicate: boolean;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'response_code', type: 'smallint', nullable: true })
  responseCode: number | null;

  @Column({ type: 'text', nullable: true })
  response: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
