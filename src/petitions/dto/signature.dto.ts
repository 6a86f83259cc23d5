import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { USPS_STATE_CODES } from '../../subscribers/zip-states';
import { EMAIL_MAX_LENGTH, IsEmailAddress } from '../../core/mail/email-address';
import { LEADERSHIP_ROLES } from '../../legislators/leadership-roles';

/** Form posts send strings; empty optional inputs mean "not given". */
const optionalText = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim();
  return v === '' ? undefined : v;
};
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (/^(1|true|yes|on)$/i.test(value.trim())) return true;
  if (/^(0|false|no|off|)$/i.test(value.trim())) return false;
  return value;
};
const STATE_CODES = [...USPS_STATE_CODES];
/** PostgreSQL text cannot hold NUL; other control characters have no place in a name or comment either. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const NO_CONTROL_CHARS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;
const noControl = (field: string) => Matches(NO_CONTROL_CHARS, { message: `${field} must not contain control characters` });
export const COMMENT_MAX_LENGTH = 2000;

/** A public signature (PET-2): JSON or form-encoded, same fields. */
export class SignPetitionDto {
  @ApiProperty({ example: 'ada@example.org', maxLength: 254 })
  @IsString()
  @MaxLength(EMAIL_MAX_LENGTH)
  @IsEmailAddress()
  email: string;

  @ApiPropertyOptional({ example: 'Ada', maxLength: 100 })
  @Transform(optionalText)
  @IsOptional()
  @IsString()
  @noControl('firstName')
  @MaxLength(100)
  firstName?: string;

  @ApiPropertyOptional({ example: 'Lovelace', maxLength: 100 })
  @Transform(optionalText)
  @IsOptional()
  @IsString()
  @noControl('lastName')
  @MaxLength(100)
  lastName?: string;

  @ApiProperty({ example: '80202', description: '5 digits or ZIP+4' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Matches(/^[0-9]{5}(-?[0-9]{4})?$/, { message: 'zip must be a 5-digit ZIP code or ZIP+4' })
  zip: string;

  @ApiPropertyOptional({ example: 'CO', description: 'USPS code; used only when the ZIP does not tell the state' })
  @Transform(({ value }) => (typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim().toUpperCase()) : value))
  @IsOptional()
  @IsIn(STATE_CODES, { message: 'state must be a 2-letter USPS state code' })
  state?: string;

  @ApiPropertyOptional({ maxLength: COMMENT_MAX_LENGTH })
  @Transform(optionalText)
  @IsOptional()
  @IsString()
  @noControl('comment')
  @MaxLength(COMMENT_MAX_LENGTH)
  comment?: string;

  @ApiPropertyOptional({ default: false, description: 'Explicit email opt-in; false unless sent' })
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  optIn?: boolean;

  @ApiPropertyOptional({ example: 'friend-42', maxLength: 64 })
  @Transform(optionalText)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'referralCode must be 1-64 letters, digits, dot, dash or underscore' })
  referralCode?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The blast whose link brought the signer (attribution)' })
  @Transform(optionalText)
  @IsOptional()
  @IsUUID('all', { message: 'blast must be a blast id (uuid)' })
  blast?: string;
}

export class SignatureTargetDto {
  @ApiProperty({ example: 'T000250', nullable: true, type: String, description: 'Null for a vacant role' }) bioguideId: string | null;
  @ApiProperty({ example: 'John Thune', nullable: true, type: String, description: 'Null for a vacant role' }) name: string | null;
  @ApiProperty({ example: 'John Thune, Senate Majority Leader' }) label: string;
  @ApiPropertyOptional({ nullable: true, example: 'majority_leader', type: String }) role: string | null;
  @ApiProperty({ example: 'SD', nullable: true, type: String, description: 'Null for a vacant role' }) state: string | null;
}

export class OwnSenatorsDto {
  @ApiPropertyOptional({ nullable: true, example: 'CO', type: String }) state: string | null;
  @ApiProperty({ type: [SignatureTargetDto] }) senators: SignatureTargetDto[];
  @ApiPropertyOptional({ example: 'Washington, DC has no senators, so your signature goes to the petition\'s other targets.' })
  message?: string;
}

export class ShareLinksDto {
  @ApiProperty({ example: 'http://localhost:3000/p/hold-the-vote?ref=q3XbT9kP2m', description: 'The petition with the signer\'s code (copy-link)' }) url: string;
  @ApiProperty({ example: 'mailto:?subject=…&body=…' }) email: string;
  @ApiProperty({ example: 'sms:?&body=…' }) sms: string;
  @ApiProperty({ example: 'https://wa.me/?text=…' }) whatsapp: string;
  @ApiProperty({ example: 'https://www.facebook.com/sharer/sharer.php?u=…' }) facebook: string;
  @ApiProperty({ example: 'https://x.com/intent/tweet?text=…&url=…' }) x: string;
}

export class ShareStepDto {
  @ApiProperty({ example: 'q3XbT9kP2m', description: 'The signer\'s own referral code: random, reveals nothing about them' }) code: string;
  @ApiProperty({ description: 'Their personal thank-you page (bookmark it): share links and how many signed through them' }) personalUrl: string;
  @ApiProperty({ description: 'Signatures that arrived through their links so far' }) referralCount: number;
  @ApiProperty({ type: ShareLinksDto }) links: ShareLinksDto;
}

/** The same answer whether the address was new, known, or had signed already (no enumeration). */
export class SignatureReceiptDto {
  @ApiProperty({ example: true }) signed: true;
  @ApiProperty({ example: 'Thank you for signing.' }) message: string;
  @ApiProperty({ example: 'pass-the-election-security-act' }) petition: string;
  @ApiProperty() title: string;
  @ApiProperty() signatureCount: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) goal: number | null;
  @ApiProperty({ type: [SignatureTargetDto], description: 'The senators this signature addresses' }) targets: SignatureTargetDto[];
  @ApiPropertyOptional({ type: OwnSenatorsDto, description: 'Present when the petition targets the signer\'s own senators' })
  ownSenators?: OwnSenatorsDto;
  @ApiPropertyOptional({ type: () => ShareStepDto, description: 'The signer\'s own share links and personal page' })
  share?: ShareStepDto;
}

export class ListSignaturesQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class SignatureDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiPropertyOptional({ nullable: true, type: String }) firstName: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastName: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) zip: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) state: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) comment: string | null;
  @ApiProperty() optedIn: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) referralCode: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) blastId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) subscriberId: string | null;
  @ApiProperty({ type: [String], example: ['T000250'] }) targets: string[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class SignaturePageDto {
  @ApiProperty({ type: [SignatureDto] }) items: SignatureDto[];
  @ApiPropertyOptional({ nullable: true, type: String }) nextCursor: string | null;
}

class CountByTargetDto {
  @ApiProperty() bioguideId: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty() count: number;
}
class CountByStateDto {
  @ApiPropertyOptional({ nullable: true, type: String }) state: string | null;
  @ApiProperty() count: number;
}
class CountByDayDto {
  @ApiProperty({ example: '2026-11-22' }) day: string;
  @ApiProperty() count: number;
}

class CountByReferralDto {
  @ApiProperty({ example: 'friend-42' }) referralCode: string;
  @ApiProperty() count: number;
}
class CountByReferrerDto {
  @ApiProperty({ format: 'uuid', description: 'The referrer\'s signature' }) signatureId: string;
  @ApiProperty({ example: 'q3XbT9kP2m', description: 'Their share code (the ?ref= of their links)' }) shareCode: string;
  @ApiProperty({ description: 'erased+<id>@invalid once erased' }) email: string;
  @ApiPropertyOptional({ nullable: true, type: String }) firstName: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastName: string | null;
  @ApiProperty({ description: 'Signatures that arrived through their link' }) count: number;
}
class CountByBlastDto {
  @ApiProperty({ format: 'uuid' }) blastId: string;
  @ApiProperty() count: number;
}

class RoleHolderDto {
  @ApiProperty({ example: 'T000250' }) bioguideId: string;
  @ApiProperty({ example: 'John Thune' }) name: string;
  @ApiProperty({ example: 'SD' }) state: string;
  @ApiPropertyOptional({ nullable: true, type: String }) party: string | null;
}

class PetitionRoleChangeDto {
  @ApiProperty({ enum: LEADERSHIP_ROLES }) role: string;
  @ApiProperty({ example: 'Senate Majority Leader' }) title: string;
  @ApiProperty({ type: 'object', nullable: true, required: ['bioguideId', 'name', 'state', 'party'], properties: { bioguideId: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' }, party: { type: 'string', nullable: true } }, description: 'Null: the role was vacant' }) from: RoleHolderDto | null;
  @ApiProperty({ type: 'object', nullable: true, required: ['bioguideId', 'name', 'state', 'party'], properties: { bioguideId: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' }, party: { type: 'string', nullable: true } }, description: 'Null: the role is vacant now' }) to: RoleHolderDto | null;
  @ApiProperty({ type: String, format: 'date-time' }) changedAt: Date;
  @ApiProperty({ example: '3', description: 'The roster change (GET /api/v1/legislators/changes)' }) changeId: string;
  @ApiProperty({ example: 'The Senate Majority Leader changed on November 25, 2026: John Thune was succeeded by John Barrasso. Signatures are now addressed to John Barrasso.' })
  notice: string;
}

export class PetitionStatsDto {
  @ApiProperty() total: number;
  @ApiProperty() optedIn: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) goal: number | null;
  @ApiProperty({ type: [CountByTargetDto], description: 'Role signatures count for the role\'s current holder' }) byTarget: CountByTargetDto[];
  @ApiProperty({ type: [CountByStateDto] }) byState: CountByStateDto[];
  @ApiProperty({ type: [CountByDayDto], description: 'UTC days' }) byDay: CountByDayDto[];
  @ApiProperty({ type: [CountByReferralDto], description: 'Top 50 referral codes' }) byReferral: CountByReferralDto[];
  @ApiProperty({ type: [CountByReferrerDto], description: 'Top 50 referrers: signers whose own share link brought others' }) byReferrer: CountByReferrerDto[];
  @ApiProperty({ type: [CountByBlastDto], description: 'Top 50 blasts signers came from' }) byBlast: CountByBlastDto[];
  @ApiProperty({ type: [PetitionRoleChangeDto], description: 'Targeted roles that changed hands since the petition was created, oldest first' })
  roleChanges: PetitionRoleChangeDto[];
}

/** Link parameters a blast or a share link may add: `?blast=<blast id>&ref=<referral code>`. */
export class SignLinkQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Blast the signer came from' })
  @IsOptional()
  @IsUUID('all', { message: 'blast must be a blast id (uuid)' })
  blast?: string;

  @ApiPropertyOptional({ description: 'Referral code' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'ref must be 1-64 letters, digits, dot, dash or underscore' })
  ref?: string;
}

