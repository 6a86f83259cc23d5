import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { LeadershipRole } from './leadership-roles';

/** Who holds each Senate leadership role now; replaced wholesale by every roster import. */
@Entity('leadership_roles')
export class LeadershipRoleHolder {
  @PrimaryColumn({ type: 'text' })
  role: LeadershipRole;

  @Column({ name: 'bioguide_id', type: 'text' })
  bioguideId: string;

  /** The roster's own wording, e.g. "Senate Majority Leader". */
  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'date', nullable: true })
  since: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
