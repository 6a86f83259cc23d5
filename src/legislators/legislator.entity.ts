import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A senator from the roster (TGT-1). Never deleted: one who leaves is marked out of office. */
@Entity('legislators')
export class Legislator {
  @PrimaryColumn({ name: 'bioguide_id', type: 'text' })
  bioguideId: string;

  @Column({ type: 'text', default: 'senate' })
  chamber: 'senate' | 'house';

  /** `name.official_full`, e.g. "John Thune". */
  @Column({ name: 'official_name', type: 'text' })
  officialName: string;

  @Column({ name: 'first_name', type: 'text' })
  firstName: string;

  @Column({ name: 'last_name', type: 'text' })
  lastName: string;

  @Column({ type: 'text' })
  state: string;

  @Column({ type: 'text', nullable: true })
  party: string | null;

  @Column({ name: 'senate_class', type: 'smallint', nullable: true })
  senateClass: number | null;

  @Column({ name: 'state_rank', type: 'text', nullable: true })
  stateRank: 'senior' | 'junior' | null;

  @Column({ type: 'text', nullable: true })
  office: string | null;

  @Column({ type: 'text', nullable: true })
  address: string | null;

  @Column({ type: 'text', nullable: true })
  phone: string | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ name: 'contact_form', type: 'text', nullable: true })
  contactForm: string | null;

  @Column({ name: 'term_start', type: 'date', nullable: true })
  termStart: string | null;

  @Column({ name: 'term_end', type: 'date', nullable: true })
  termEnd: string | null;

  @Column({ name: 'in_office', type: 'boolean', default: true })
  inOffice: boolean;

  @Column({ name: 'left_office_at', type: 'timestamptz', nullable: true })
  leftOfficeAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
