import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One person's signature on one petition (PET-2): unique per petition and lower(email). Linked to the subscriber
 * whenever the address is on the list, opted in or not. Written with INSERT … ON CONFLICT DO NOTHING.
 */
@Entity('petition_signatures')
export class PetitionSignature {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'petition_id', type: 'uuid' })
  petitionId: string;

  @Column({ name: 'subscriber_id', type: 'uuid', nullable: true })
  subscriberId: string | null;

  /** Normalized (trimmed, domain lower-cased). */
  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  @Column({ type: 'text', nullable: true })
  zip: string | null;

  @Column({ type: 'text', nullable: true })
  state: string | null;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'opted_in', type: 'boolean', default: false })
  optedIn: boolean;

  @Column({ name: 'referral_code', type: 'text', nullable: true })
  referralCode: string | null;

  /** This signer's own code for their share links (`?ref=`): random, unique, revealing nothing about them. */
  @Column({ name: 'share_code', type: 'text', nullable: true })
  shareCode: string | null;

  /** The signature whose share link brought this signer (its code matched), when one did. */
  @Column({ name: 'referrer_signature_id', type: 'uuid', nullable: true })
  referrerSignatureId: string | null;

  /** The blast whose link brought the signer (MSG-9 actions), when known. */
  @Column({ name: 'blast_id', type: 'uuid', nullable: true })
  blastId: string | null;

  @Column({ name: 'thank_you_queued_at', type: 'timestamptz', nullable: true })
  thankYouQueuedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
