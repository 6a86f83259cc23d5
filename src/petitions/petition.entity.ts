import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PetitionTarget } from './petition-targets';

export const PETITION_STATUSES = ['open', 'closed'] as const;
export type PetitionStatus = (typeof PETITION_STATUSES)[number];
export const BODY_FORMATS = ['markdown', 'html'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

/** A petition (PET-1). Targets are resolved against the roster when someone signs and when a packet is made. */
@Entity('petitions')
export class Petition {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** URL name: `/p/<slug>`. Lower-case letters, digits and single hyphens. */
  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  title: string;

  /** What the organizer wrote (Markdown or HTML). */
  @Column({ name: 'body_source', type: 'text', default: '' })
  bodySource: string;

  @Column({ name: 'body_format', type: 'text', default: 'markdown' })
  bodyFormat: BodyFormat;

  /** The body as shown on hosted pages: rendered and sanitized once, when saved (SEC-4). */
  @Column({ name: 'body_html', type: 'text', default: '' })
  bodyHtml: string;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  targets: PetitionTarget[];

  @Column({ type: 'integer', nullable: true })
  goal: number | null;

  @Column({ type: 'text', default: 'open' })
  status: PetitionStatus;

  /** Handlebars templates (merge fields: firstName with a fallback, lastName, petitionTitle, petitionUrl). */
  @Column({ name: 'thank_you_subject', type: 'text', nullable: true })
  thankYouSubject: string | null;

  @Column({ name: 'thank_you_body', type: 'text', nullable: true })
  thankYouBody: string | null;

  /** Wording next to the (unchecked) email opt-in box; recorded as the consent text of those who tick it. */
  @Column({ name: 'opt_in_text', type: 'text' })
  optInText: string;

  /** Social card (Open Graph / Twitter) wording; null → the title and the body's first paragraph. */
  @Column({ name: 'share_title', type: 'text', nullable: true })
  shareTitle: string | null;

  @Column({ name: 'share_description', type: 'text', nullable: true })
  shareDescription: string | null;

  /** An absolute https URL of the card image; null → no image tag. */
  @Column({ name: 'share_image_url', type: 'text', nullable: true })
  shareImageUrl: string | null;

  /** Recent signers (first name and state only) shown on the page as social proof. */
  @Column({ name: 'show_recent_signers', type: 'boolean', default: true })
  showRecentSigners: boolean;

  /** Origins (scheme://host[:port]) allowed to frame `/p/:slug/embed`; empty → no site may. */
  @Column({ name: 'embed_origins', type: 'text', array: true, default: () => "'{}'" })
  embedOrigins: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;
}
