import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ACTOR_TYPES = ['user', 'api_key', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** One line of the audit log: who did what to which subject. Append-only. */
@Entity('audit_events')
export class AuditEvent {
  /** bigint identity: newest first is id DESC, and the id is the keyset cursor. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'actor_type', type: 'text' })
  actorType: AuditActorType;

  /** The person's or the API key's id; null for the system and the bootstrap key. */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'actor_label', type: 'text' })
  actorLabel: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'text', nullable: true })
  subjectId: string | null;

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;
}
