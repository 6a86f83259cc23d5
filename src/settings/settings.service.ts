import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NULLABLE_SETTINGS, SettingsDto, UpdateSettingsDto } from './dto/settings.dto';
import { disclaimerSentence } from './notices';
import { Settings } from './settings.entity';

/** The organization's one settings row (COMP-1). Other modules read it through `get()`. */
@Injectable()
export class SettingsService {
  constructor(@InjectRepository(Settings) private readonly repo: Repository<Settings>) {}

  async get(): Promise<Settings> {
    const row = await this.repo.findOneBy({ id: 1 });
    // The migration inserts the row; recreate it if someone deleted it by hand.
    return row ?? this.repo.save(this.repo.create({ id: 1 }));
  }

  async update(dto: UpdateSettingsDto): Promise<Settings> {
    const current = await this.get();
    const bad = Object.entries(dto)
      .filter(([k, v]) => v === null && !NULLABLE_SETTINGS.includes(k as keyof UpdateSettingsDto))
      .map(([k]) => k);
    if (bad.length) throw new BadRequestException(`${bad.join(', ')} cannot be null`);
    const next = this.repo.merge(this.repo.create({ ...current }), dto as Partial<Settings>);
    if (next.disclaimerKind !== 'none' && !(next.disclaimerPaidBy || next.legalName)) {
      throw new BadRequestException('a disclaimer needs disclaimerPaidBy (or legalName) to name who paid');
    }
    if (next.disclaimerKind === 'committee_authorized_by_candidate' && !next.disclaimerCandidate) {
      throw new BadRequestException('disclaimerKind committee_authorized_by_candidate needs disclaimerCandidate');
    }
    return this.repo.save(next);
  }

  /**
   * Why no blast can be sent, or null when blasts may go (COMP-1: a postal address is required). This holds blasts
   * (send, resume, the reconciler); a missing default from address does not — a blast with its own fromEmail goes.
   */
  static notReadyReason(s: Settings): string | null {
    const missing = [!s.legalName && 'legalName', !s.postalAddress && 'postalAddress'].filter(Boolean);
    return missing.length ? `set ${missing.join(' and ')} in /api/v1/settings before sending a blast` : null;
  }

  /**
   * What GET /api/v1/settings reports: ready only when a blast as composed by default can go, so also when a from
   * address is set. Without defaultFromEmail a blast is refused at validation unless it names its own fromEmail.
   */
  static readiness(s: Settings): { readyToSend: boolean; notReadyReason: string | null } {
    const reasons = [
      SettingsService.notReadyReason(s),
      !s.defaultFromEmail && 'no default from address: set defaultFromEmail, or every blast needs its own fromEmail',
    ].filter((r): r is string => !!r);
    return { readyToSend: reasons.length === 0, notReadyReason: reasons.length ? reasons.join('; ') : null };
  }

  static toDto(s: Settings): SettingsDto {
    return {
      legalName: s.legalName,
      postalAddress: s.postalAddress,
      sendingDomain: s.sendingDomain,
      defaultFromName: s.defaultFromName,
      defaultFromEmail: s.defaultFromEmail,
      defaultReplyTo: s.defaultReplyTo,
      disclaimerKind: s.disclaimerKind,
      disclaimerPaidBy: s.disclaimerPaidBy,
      disclaimerCandidate: s.disclaimerCandidate,
      disclaimer: disclaimerSentence(s),
      nonDeductibleNotice: s.nonDeductibleNotice,
      nonDeductibleText: s.nonDeductibleText,
      extraNotices: s.extraNotices,
      orgCapPerDay: s.orgCapPerDay,
      doubleOptIn: s.doubleOptIn,
      ...SettingsService.readiness(s),
      updatedAt: s.updatedAt,
    };
  }
}
