import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const API_KEY_ROLES = ['admin', 'organizer', 'viewer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: ApiKeyRole;

  /** First characters of the key, shown in listings so a person can tell keys apart. */
  @Column({ type: 'text' })
  prefix: string;

  /** sha256 of the whole key; keys are 256-bit random, so a fast hash is enough. */
  @Index({ unique: true })
  @Column({ name: 'key_hash', type: 'text', select: false })
  keyHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
