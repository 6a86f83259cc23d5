import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { MailService } from '../core/mail/mail.service';
import { LegislatorsService, RosterChange } from '../legislators/legislators.service';
import { OPEN_PETITIONS_TARGETING_ROLES_SQL } from './petition-queries';
import { roleChangeNotice } from './petition-targets';
import { PetitionsService } from './petitions.service';

/**
 * Organizer notice (issue 19 item 4): when a roster change moves a leadership role that an open petition targets,
 * an email to ROSTER_NOTICE_EMAILS lists the moves and the petitions concerned. (Admins are API keys without an
 * address, so the recipients are a setting.) The petitions' stats and pages say the same from the stored change,
 * whether or not anyone is emailed. Queued once per change and address (fixed job ids).
 */
@Injectable()
export class RosterNoticesService implements OnModuleInit {
  private readonly logger = new Logger(RosterNoticesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly legislators: LegislatorsService,
    private readonly petitions: PetitionsService,
    private readonly mail: MailService,
    private readonly env: Env,
  ) {}

  onModuleInit(): void {
    this.legislators.onRosterChange('petition-role-notices', (change) => this.notify(change));
  }

  async notify(change: RosterChange): Promise<void> {
    const moved = change.diff.roles.map((r) => r.role);
    if (!moved.length) return;
    const affected: { id: string; slug: string; title: string; roles: string[] }[] = await this.dataSource.query(
      OPEN_PETITIONS_TARGETING_ROLES_SQL,
      [moved],
    );
    if (!affected.length) return;
    const recipients = this.env.ROSTER_NOTICE_EMAILS;
    this.logger.log(
      `roster change ${change.id} moved ${moved.join(', ')}: ${affected.length} open petition(s) affected; notice to ${recipients.length} address(es)`,
    );
    if (!recipients.length) return;
    const notices = change.diff.roles.map((m) => roleChangeNotice({ ...m, changedAt: change.createdAt }));
    const lines = affected.map((p) => `- ${p.title} (${p.roles.join(', ')}): ${this.petitions.url(p)}`);
    const text = [
      'The Senate roster was updated and a leadership role that your open petitions target changed hands.',
      '',
      ...notices,
      '',
      'Open petitions concerned (new signatures go to the new holder; delivery packets show whom each signature was addressed to when signed):',
      ...lines,
      '',
      `Roster change ${change.id}: GET /api/v1/legislators/changes`,
    ].join('\n');
    const subject = `Senate roster change: ${change.diff.roles.map((m) => `${m.title} ${m.to ? `now ${m.to.name}` : 'vacant'}`).join('; ')}`;
    for (const [i, to] of recipients.entries()) {
      await this.mail.enqueue({ to, subject: subject.slice(0, 300), text, kind: 'roster-notice' }, `roster-notice-${change.id}-${i}`);
    }
  }
}
