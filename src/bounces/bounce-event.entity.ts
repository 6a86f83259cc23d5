import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { BounceType } from './smtp-reply';

/** How an event was tied to its recipient: by our Message-ID (and so to the blast), by address, or given directly. */
export type Attribution = 'message_id' | 'address' | 'subscriber' | 'none';

/** One bounce, complaint or sender-policy rejection (COMP-3). See migration 1763870000000. */
@Entity('bounce_events')
export class BounceEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'subscriber_id', type: 'uuid', nullable: true })
  subscriberId: string | null;

  @Column({ name: 'blast_id', type: 'uuid', nullable: true })
  blastId: string | null;

  @Column({ type: 'text' })
  type: BounceType;

  /** `smtp`, `dsn`, `ses`, or the `provider` of a generic webhook event. */
  @Column({ type: 'text' })
  provider: string;

  @Column({ type: 'text', nullable: true })
  code: string | null;

  @Column({ type: 'text', nullable: true })
  detail: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ type: 'text' })
  attribution: Attribution;

  @Column({ name: 'dedupe_key', type: 'text', nullable: true })
  dedupeKey: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
