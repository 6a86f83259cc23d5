import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Caller } from '../core/http/caller';
import { AuditFilter, auditPageSql, INSERT_AUDIT_EVENT_SQL } from './audit-queries';
import type { AuditActorType } from './audit-event.entity';
import type { AuditEventDto, AuditPageDto } from './dto/audit.dto';

/** What the audit log records (a closed list, so the console can offer it as a filter). */
export const AUDIT_ACTIONS = [
  'blast.created',
  'blast.updated',
  'blast.deleted',
  'blast.scheduled',
  'blast.unscheduled',
  'blast.sent',
  'blast.paused',
  'blast.resumed',
  'blast.cancelled',
  'settings.updated',
  'subscriber.exported',
  'subscriber.erased',
  'user.invited',
  'user.updated',
  'user.signed_in',
  'user.password_changed',
  'user.totp_enabled',
  'user.totp_disabled',
  'user.invite_accepted',
  'api_key.created',
  'api_key.revoked',
  'roster.changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: a caller of the API (a person or a key), or the system itself (the CLI, a scheduled job). */
export type AuditActor = Caller | { system: string };

export interface AuditSubject {
  type: string;
  id?: string | null;
}

/** Details are for "what changed", small: a larger object means someone is logging content. */
const MAX_DETAILS_BYTES = 4096;

interface AuditRow {
  id: string;
  created_at: Date;
  actor_type: AuditActorType;
  actor_id: string | null;
  actor_label: string;
  action: string;
  subject_type: string;
  subject_id: string | null;
  details: Record<string, unknown>;
}

/**
 * The audit log (issue 14): who created, changed, scheduled, sent, paused or cancelled a blast, changed settings,
 * exported or erased a person, managed accounts and keys. Details never hold addresses, bodies or secrets — callers
 * pass ids, field names and statuses — so erasing a person leaves nothing of them here.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(actor: AuditActor, action: AuditAction, subject: AuditSubject, details: Record<string, unknown> = {}): Promise<void> {
    const json = JSON.stringify(details);
    if (json.length > MAX_DETAILS_BYTES) throw new Error(`audit details of ${action} are too large (${json.length} bytes)`);
    const [type, id, label] = AuditService.describe(actor);
    await this.db.query(INSERT_AUDIT_EVENT_SQL, [type, id, label, action, subject.type, subject.id ?? null, json]);
  }

  /** `cursor` is a previous page's nextCursor (validated by ListAuditQueryDto). */
  async list(filter: AuditFilter, cursor: string | undefined, limit: number): Promise<AuditPageDto> {
    const { sql, params } = auditPageSql(filter, cursor, limit);
    const rows: AuditRow[] = await this.db.query(sql, params);
    const page = rows.slice(0, limit);
    return { items: page.map(AuditService.toDto), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  /** The names of the fields a PATCH body gave (DTO instances list every declared field, given or not). */
  static fieldsOf(dto: object): string[] {
    return Object.entries(dto).filter(([, v]) => v !== undefined).map(([k]) => k);
  }

  private static describe(actor: AuditActor): [AuditActorType, string | null, string] {
    if ('system' in actor) return ['system', null, `system (${actor.system})`];
    if (actor.userId) return ['user', actor.userId, actor.email ?? actor.label];
    return ['api_key', actor.keyId, actor.label];
  }

  private static toDto(r: AuditRow): AuditEventDto {
    return {
      id: r.id,
      createdAt: r.created_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorLabel: r.actor_label,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      details: r.details,
    };
  }
}
