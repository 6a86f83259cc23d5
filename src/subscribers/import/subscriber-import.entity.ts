import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const IMPORT_STATUSES = ['uploading', 'queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_ROW_ISSUES = ['invalid_email', 'invalid_row', 'duplicate_in_file', 'suppressed'] as const;
export type ImportRowIssueReason = (typeof IMPORT_ROW_ISSUES)[number];

/** A skipped row: its line in the file (where the record starts; the header is line 1), why, and details. */
export interface ImportRowIssue {
  line: number;
  reason: ImportRowIssueReason;
  message: string;
}

/** One CSV import (SUB-4) and its progress. The file itself lives in `import_uploads` until the import has run. */
@Entity('imports')
export class SubscriberImport {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', default: 'uploading' })
  status: ImportStatus;

  @Column({ type: 'text', nullable: true })
  filename: string | null;

  @Column({ type: 'bigint', default: 0, transformer: { to: (v: number) => v, from: (v: string | null) => Number(v ?? 0) } })
  bytes: number;

  /** The mapping as given (explicit columns; the rest is matched by header names when the import runs). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  mapping: Record<string, unknown>;

  /** Tags added to every imported row. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  /** The consent basis stated for the whole file, recorded on each new subscriber (COMP-4). */
  @Column({ name: 'consent_basis', type: 'text' })
  consentBasis: string;

  @Column({ name: 'rows_read', type: 'integer', default: 0 })
  rowsRead: number;

  @Column({ type: 'integer', default: 0 })
  created: number;

  @Column({ type: 'integer', default: 0 })
  updated: number;

  /** Existing subscribers the file matched without changing anything. */
  @Column({ type: 'integer', default: 0 })
  unchanged: number;

  @Column({ name: 'skipped_invalid_email', type: 'integer', default: 0 })
  skippedInvalidEmail: number;

  @Column({ name: 'skipped_duplicate', type: 'integer', default: 0 })
  skippedDuplicate: number;

  @Column({ name: 'skipped_suppressed', type: 'integer', default: 0 })
  skippedSuppressed: number;

  @Column({ name: 'skipped_invalid_row', type: 'integer', default: 0 })
  skippedInvalidRow: number;

  /** The first skipped rows with their line numbers (bounded; `errorCount` has the total). */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  errors: ImportRowIssue[];

  @Column({ name: 'error_count', type: 'integer', default: 0 })
  errorCount: number;

  /** Why the whole import failed (malformed file, wrong mapping); nothing was written then. */
  @Column({ type: 'text', nullable: true })
  failure: string | null;

  @Column({ name: 'created_by_key_id', type: 'uuid', nullable: true })
  createdByKeyId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
