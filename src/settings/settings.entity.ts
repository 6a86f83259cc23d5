import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The three forms of the FEC's "Paid for by" disclaimer (11 CFR 110.11), or none. */
export const DISCLAIMER_KINDS = ['none', 'committee', 'committee_authorized_by_candidate', 'not_authorized'] as const;
export type DisclaimerKind = (typeof DISCLAIMER_KINDS)[number];

/** The organization's settings (COMP-1, PREF-3, COMP-4): exactly one row, id 1, created by the migration. */
@Entity('settings')
export class Settings {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ name: 'legal_name', type: 'text', nullable: true })
  legalName: string | null;

  /** Physical postal address printed in every blast footer (CAN-SPAM); required before any blast is sent. */
  @Column({ name: 'postal_address', type: 'text', nullable: true })
  postalAddress: string | null;

  /** Domain of Message-IDs and List-Id; usually the DKIM domain. */
  @Column({ name: 'sending_domain', type: 'text', nullable: true })
  sendingDomain: string | null;

  @Column({ name: 'default_from_name', type: 'text', nullable: true })
  defaultFromName: string | null;

  @Column({ name: 'default_from_email', type: 'text', nullable: true })
  defaultFromEmail: string | null;

  @Column({ name: 'default_reply_to', type: 'text', nullable: true })
  defaultReplyTo: string | null;

  @Column({ name: 'disclaimer_kind', type: 'text', default: 'none' })
  disclaimerKind: DisclaimerKind;

  /** Who paid: the committee (or person/group) named in "Paid for by …". */
  @Column({ name: 'disclaimer_paid_by', type: 'text', nullable: true })
  disclaimerPaidBy: string | null;

  /** The authorizing candidate, for `committee_authorized_by_candidate`. */
  @Column({ name: 'disclaimer_candidate', type: 'text', nullable: true })
  disclaimerCandidate: string | null;

  @Column({ name: 'non_deductible_notice', type: 'boolean', default: false })
  nonDeductibleNotice: boolean;

  @Column({ name: 'non_deductible_text', type: 'text', nullable: true })
  nonDeductibleText: string | null;

  @Column({ name: 'extra_notices', type: 'text', array: true, default: () => "'{}'" })
  extraNotices: string[];

  /** PREF-3: at most this many blasts per person per rolling 24 hours (null: no org-wide cap). */
  @Column({ name: 'org_cap_per_day', type: 'integer', nullable: true })
  orgCapPerDay: number | null;

  /** COMP-4: new sign-ups become `unconfirmed` until they confirm. */
  @Column({ name: 'double_opt_in', type: 'boolean', default: false })
  doubleOptIn: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
