import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A subject a message may carry (PREF-1), e.g. "Election security"; subscribers may opt out of any. */
@Entity('topics')
export class Topic {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** A subscriber's opt-out of one topic: blasts carrying that topic skip them. */
@Entity('subscriber_topic_opt_outs')
export class SubscriberTopicOptOut {
  @PrimaryColumn({ name: 'subscriber_id', type: 'uuid' })
  subscriberId: string;

  @PrimaryColumn({ name: 'topic_id', type: 'uuid' })
  topicId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
