import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Addresses that must never be (re)subscribed without fresh consent: erased people (SUB-5) and complaints.
 * Only a keyed hash (HMAC-SHA256 of the normalized lower-cased address) is kept — never the address.
 */
@Entity('suppressions')
export class Suppression {
  @PrimaryColumn({ name: 'email_hash', type: 'text' })
  emailHash: string;

  @Column({ type: 'text' })
  reason: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
