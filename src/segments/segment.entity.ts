import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A saved audience (SEG-1): a named rule tree evaluated live whenever it is counted or a blast is sent — members are
 * never copied. `referencedSegmentIds` lists the segments its rules reference directly, so a referenced segment
 * cannot be deleted from under another.
 */
@Entity('segments')
export class Segment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'jsonb' })
  rules: unknown;

  @Column({ name: 'referenced_segment_ids', type: 'uuid', array: true, default: () => "'{}'" })
  referencedSegmentIds: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
