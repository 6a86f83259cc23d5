import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const SUBSCRIBER_STATUSES = ['subscribed', 'unconfirmed', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/** PREF-2: how often a subscriber wants blasts. */
export const FREQUENCIES = ['all', 'weekly', 'monthly', 'important_only'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * One person on the list (SUB-1). Email is unique case-insensitively (unique index on lower(email)); only
 * `subscribed` receives blasts (SUB-2). Indexes for segments are partial on status = 'subscribed' (see migration).
 */
@Entity('subscribers')
export class Subscriber {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Trimmed, domain lower-cased; the local part keeps its case. */
  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  /** 5 digits or ZIP+4. */
  @Column({ type: 'text', nullable: true })
  zip: string | null;

  /** USPS 2-letter code; derived from the ZIP when not given. */
  @Column({ type: 'text', nullable: true })
  state: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  @Column({ name: 'custom_fields', type: 'jsonb', default: () => "'{}'" })
  customFields: Record<string, unknown>;

  @Column({ type: 'text', default: 'subscribed' })
  status: SubscriberStatus;

  @Column({ type: 'text', default: 'all' })
  frequency: Frequency;

  /** Where the person came from: `api`, `import:<id>`, `petition:<slug>`, … */
  @Column({ type: 'text', nullable: true })
  source: string | null;

  /** Consent record (COMP-4): when, how (source of the consent), and the wording or legal basis. */
  @Column({ name: 'consent_at', type: 'timestamptz', nullable: true })
  consentAt: Date | null;

  @Column({ name: 'consent_source', type: 'text', nullable: true })
  consentSource: string | null;

  @Column({ name: 'consent_text', type: 'text', nullable: true })
  consentText: string | null;

  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true })
  unsubscribedAt: Date | null;

  /** The blast whose link the person unsubscribed from (UNSUB-6), when known. */
  @Column({ name: 'unsubscribed_blast_id', type: 'uuid', nullable: true })
  unsubscribedBlastId: string | null;

  /** Set when the person was erased (SUB-5): personal data replaced, a keyed hash kept in `suppressions`. */
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
