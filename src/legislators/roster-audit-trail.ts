import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { LegislatorsService } from './legislators.service';

/**
 * Every committed roster change goes into the audit log (issue 19 item 2) as the system's act — the scheduled
 * refresh, a trigger or the CLI — with counts and the leadership moves by role; the full diff stays in
 * roster_changes (GET /api/v1/legislators/changes), which the audit row names.
 */
@Injectable()
export class RosterAuditTrail implements OnModuleInit {
  constructor(
    private readonly legislators: LegislatorsService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.legislators.onRosterChange('audit', async (change) => {
      const { arrived, left, roles, changed } = change.diff;
      await this.audit.record({ system: `roster-${change.trigger}` }, 'roster.changed', { type: 'roster_change', id: change.id }, {
        source: withoutSecrets(change.source),
        arrived: arrived.length,
        left: left.length,
        changed: changed.length,
        roles: roles.map((m) => ({ role: m.role, from: m.from?.bioguideId ?? null, to: m.to?.bioguideId ?? null })),
      });
    });
  }
}

/** A URL source without credentials or query; other sources (`file:name`, `snapshot`) as they are. */
function withoutSecrets(source: string): string {
  try {
    const u = new URL(source);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return source;
    return `${u.origin}${u.pathname}`;
  } catch {
    return source;
  }
}
