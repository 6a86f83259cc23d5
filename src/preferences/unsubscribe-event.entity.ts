import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const UNSUBSCRIBE_EVENT_KINDS = ['unsubscribe', 'resubscribe'] as const;
export type UnsubscribeEventKind = (typeof UNSUBSCRIBE_EVENT_KINDS)[number];

/** Which door the person used: the RFC 8058 one-click POST, the unsubscribe page's button, or the preference center. */
export const UNSUBSCRIBE_VIAS = ['one-click', 'unsubscribe-page', 'preference-center'] as const;
export type UnsubscribeVia = (typeof UNSUBSCRIBE_VIAS)[number];

/**
 * One real change of subscription from a link (UNSUB-6): repeated POSTs add nothing. `blastId` is the blast whose
 * link was used, when the link named one; blast stats count `kind = 'unsubscribe'` rows per blast.
 */
@Entity('unsubscribe_events')
export class UnsubscribeEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'subscriber_id', type: 'uuid' })
  subscriberId: string;

  @Column({ name: 'blast_id', type: 'uuid', nullable: true })
  blastId: string | null;

  @Column({ type: 'text' })
  kind: UnsubscribeEventKind;

  @Column({ type: 'text' })
  via: UnsubscribeVia;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
