import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { LEADERSHIP_ROLES, LeadershipRole } from '../leadership-roles';
import { ROSTER_TRIGGERS, RosterTrigger } from '../legislators.service';
import { DIFF_FIELDS, DiffField } from '../roster-diff';
import { REFRESH_RESULTS } from '../roster-refresh.service';

export class ListSenatorsQueryDto {
  @ApiPropertyOptional({ description: 'USPS state code', example: 'CO' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(/^[A-Z]{2}$/, { message: 'state must be a 2-letter state code' })
  state?: string;

  @ApiPropertyOptional({ enum: LEADERSHIP_ROLES, description: 'Only the senator holding this leadership role now' })
  @IsOptional()
  @IsIn(LEADERSHIP_ROLES)
  role?: LeadershipRole;

  @ApiPropertyOptional({ description: 'Include senators who have left office (kept for past signatures)', default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value))
  @IsBoolean()
  includeFormer?: boolean;
}

export class SenatorDto {
  @ApiProperty({ example: 'T000250', description: 'Bioguide id, the roster key' }) bioguideId: string;
  @ApiProperty({ example: 'John Thune' }) name: string;
  @ApiProperty({ example: 'John' }) firstName: string;
  @ApiProperty({ example: 'Thune' }) lastName: string;
  @ApiProperty({ example: 'SD' }) state: string;
  @ApiPropertyOptional({ example: 'Republican', nullable: true, type: String }) party: string | null;
  @ApiPropertyOptional({ example: 3, nullable: true, type: Number }) senateClass: number | null;
  @ApiPropertyOptional({ enum: ['senior', 'junior'], nullable: true }) stateRank: 'senior' | 'junior' | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '511 Dirksen Senate Office Building' }) office: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) address: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '202-224-2321' }) phone: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) url: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) contactForm: string | null;
  @ApiProperty({ description: 'False once a newer roster no longer lists them' }) inOffice: boolean;
  @ApiProperty({ enum: LEADERSHIP_ROLES, isArray: true, description: 'Leadership roles held now' }) roles: LeadershipRole[];
}

export class LeadershipEntryDto {
  @ApiProperty({ enum: LEADERSHIP_ROLES }) role: LeadershipRole;
  @ApiProperty({ example: 'Senate Majority Leader' }) title: string;
  @ApiPropertyOptional({ example: '2025-01-03', nullable: true, type: String }) since: string | null;
  @ApiProperty({ type: SenatorDto }) senator: SenatorDto;
}

export class ListRosterChangesQueryDto {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextBefore of the previous page: changes older than this id', example: '12' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'before must be a change id' })
  before?: string;
}

export class SenatorRefDto {
  @ApiProperty({ example: 'B001261' }) bioguideId: string;
  @ApiProperty({ example: 'John Barrasso' }) name: string;
  @ApiProperty({ example: 'WY' }) state: string;
  @ApiPropertyOptional({ example: 'Republican', nullable: true, type: String }) party: string | null;
}

export class RoleMoveDto {
  @ApiProperty({ enum: LEADERSHIP_ROLES }) role: LeadershipRole;
  @ApiProperty({ example: 'Senate Majority Leader' }) title: string;
  @ApiProperty({ type: 'object', nullable: true, required: ['bioguideId', 'name', 'state', 'party'], properties: { bioguideId: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' }, party: { type: 'string', nullable: true } }, description: 'Null: the role was vacant' }) from: SenatorRefDto | null;
  @ApiProperty({ type: 'object', nullable: true, required: ['bioguideId', 'name', 'state', 'party'], properties: { bioguideId: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' }, party: { type: 'string', nullable: true } }, description: 'Null: the role is vacant now' }) to: SenatorRefDto | null;
}

export class FieldChangeDto {
  @ApiProperty({ enum: DIFF_FIELDS }) field: DiffField;
  @ApiProperty({ nullable: true, type: String, example: '202-224-2321', description: 'As text (senateClass "2")' }) from: string | null;
  @ApiProperty({ nullable: true, type: String, example: '202-224-6621' }) to: string | null;
}

export class SenatorChangeDto extends SenatorRefDto {
  @ApiProperty({ type: [FieldChangeDto] }) fields: FieldChangeDto[];
}

export class RosterChangeDto {
  @ApiProperty({ example: '3', description: 'Change id (keyset cursor)' }) id: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ example: 'https://unitedstates.github.io/congress-legislators/legislators-current.yaml', description: 'A URL (without credentials or query) or file:<name>' })
  source: string;
  @ApiProperty({ enum: ROSTER_TRIGGERS }) trigger: RosterTrigger;
  @ApiProperty({ example: '4', description: 'The roster version this change produced' }) rosterVersion: string;
  @ApiProperty({ type: [SenatorRefDto], description: 'Senators new in office' }) arrived: SenatorRefDto[];
  @ApiProperty({ type: [SenatorRefDto], description: 'Senators no longer listed (kept, marked out of office)' }) left: SenatorRefDto[];
  @ApiProperty({ type: [RoleMoveDto], description: 'Leadership roles that changed hands' }) roles: RoleMoveDto[];
  @ApiProperty({ type: [SenatorChangeDto], description: 'Party, contact and other field changes of senators who stayed' }) changed: SenatorChangeDto[];
}

export class RosterChangePageDto {
  @ApiProperty({ type: [RosterChangeDto] }) items: RosterChangeDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as `before` for older changes' }) nextBefore: string | null;
}

export class RosterRefreshStateDto {
  @ApiProperty({ description: 'A scheduled refresh is configured (source URL and cron both set)' }) enabled: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, example: '17 6 * * *', description: 'LEGISLATORS_REFRESH_CRON (UTC)' }) schedule: string | null;
  @ApiProperty({ description: 'Refresh attempts recorded so far' }) attempts: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) lastAttemptAt: Date | null;
  @ApiPropertyOptional({ nullable: true, enum: ROSTER_TRIGGERS }) lastTrigger: string | null;
  @ApiPropertyOptional({ nullable: true, enum: REFRESH_RESULTS, description: 'Of the last attempt' }) lastResult: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the last attempt was refused or failed' }) lastReason: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) lastHttpStatus: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The latest change a refresh stored' }) lastChangeId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The source of the last attempt, without credentials or query' }) sourceUrl: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'Last fetch that got a file or a 304' }) lastSuccessAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'ETag sent back as If-None-Match' }) etag: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Sent back as If-Modified-Since' }) lastModified: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'SHA-256 of the last file fetched' }) contentHash: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) contentBytes: number | null;
}

export class RefreshQueuedDto {
  @ApiProperty({ example: true }) queued: true;
  @ApiProperty({ example: '42', description: 'Bull job id' }) jobId: string;
}
