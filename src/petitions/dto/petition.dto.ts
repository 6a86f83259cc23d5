import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { LEADERSHIP_ROLES, LeadershipRole } from '../../legislators/leadership-roles';
import { TARGET_TYPES } from '../petition-targets';
import { NO_CONTROL_CHARS } from './signature.dto';
import { BODY_FORMATS, BodyFormat, PETITION_STATUSES, PetitionStatus } from '../petition.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

// eslint-disable-next-line no-control-regex -- PostgreSQL text cannot hold NUL
const NO_NUL = /^[^\u0000]*$/;
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** A web origin as CSP frame-ancestors takes it: scheme, host, optional port — nothing a policy could be bent with. */
export const ORIGIN_PATTERN = /^https?:\/\/([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$/;
/** Origins are case-insensitive and have no trailing slash; `https://Example.org/` is kept as `https://example.org`. */
const toOrigins = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toLowerCase().replace(/\/$/, '') : v)) : value;
export const DEFAULT_OPT_IN_TEXT = 'Yes, email me updates about this campaign. I can unsubscribe at any time.';

export class PetitionTargetDto {
  @ApiProperty({ enum: TARGET_TYPES, description: 'role: a leadership role; senator: one senator; own_senators: the signer\'s two senators' })
  @IsIn(TARGET_TYPES)
  type: (typeof TARGET_TYPES)[number];

  @ApiPropertyOptional({ enum: LEADERSHIP_ROLES, description: 'With type role' })
  @ValidateIf((o: PetitionTargetDto) => o.type === 'role' || o.role !== undefined)
  @IsIn(LEADERSHIP_ROLES)
  role?: LeadershipRole;

  @ApiPropertyOptional({ example: 'B001267', description: 'With type senator: bioguide id' })
  @ValidateIf((o: PetitionTargetDto) => o.type === 'senator' || o.bioguideId !== undefined)
  @IsString()
  @Matches(/^[A-Z][0-9]{6}$/, { message: 'bioguideId must look like B001267' })
  bioguideId?: string;
}

export class CreatePetitionDto {
  @ApiProperty({ example: 'pass-the-election-security-act', maxLength: 100, description: 'URL name: /p/<slug>' })
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters, digits and single hyphens' })
  slug: string;

  @ApiProperty({ example: 'Tell Senate leadership: pass the Election Security Act', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARS, { message: 'title must not contain control characters' })
  title: string;

  @ApiProperty({ description: 'Markdown or HTML (sanitized before it is shown)', maxLength: 100_000 })
  @IsString()
  @MaxLength(100_000)
  @Matches(NO_NUL, { message: 'body must not contain NUL characters' })
  body: string;

  @ApiPropertyOptional({ enum: BODY_FORMATS, default: 'markdown' })
  @IsOptional()
  @IsIn(BODY_FORMATS)
  bodyFormat?: BodyFormat;

  @ApiProperty({
    type: [PetitionTargetDto],
    example: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PetitionTargetDto)
  targets: PetitionTargetDto[];

  @ApiPropertyOptional({ type: 'integer', example: 10000, description: 'Signature goal shown as progress', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  goal?: number | null;

  @ApiPropertyOptional({ enum: PETITION_STATUSES, default: 'open' })
  @IsOptional()
  @IsIn(PETITION_STATUSES)
  status?: PetitionStatus;

  @ApiPropertyOptional({ type: String, example: 'Thank you for signing: {{petitionTitle}}', maxLength: 300, description: 'Handlebars; fields firstName, lastName, petitionTitle, petitionUrl' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @Matches(NO_CONTROL_CHARS, { message: 'thankYouSubject must not contain control characters' })
  thankYouSubject?: string | null;

  @ApiPropertyOptional({ type: String, example: '{{default firstName "Friend"}}, thank you for signing {{petitionTitle}}.', maxLength: 20_000, description: 'Markdown with Handlebars merge fields (escaped)' })
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  @Matches(NO_NUL, { message: 'thankYouBody must not contain NUL characters' })
  thankYouBody?: string | null;

  @ApiPropertyOptional({ example: DEFAULT_OPT_IN_TEXT, maxLength: 1000, description: 'Wording beside the unchecked opt-in box; recorded as consent' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(NO_CONTROL_CHARS, { message: 'optInText must not contain control characters' })
  optInText?: string;

  @ApiPropertyOptional({ example: 'Tell the Senate: hold the vote', maxLength: 200, nullable: true, type: String, description: 'Social card title; null → the petition title' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARS, { message: 'shareTitle must not contain control characters' })
  shareTitle?: string | null;

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String, description: 'Social card and meta description; null → the body\'s first paragraph' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @Matches(NO_CONTROL_CHARS, { message: 'shareDescription must not contain control characters' })
  shareDescription?: string | null;

  @ApiPropertyOptional({ example: 'https://example.org/card.png', maxLength: 2000, nullable: true, type: String, description: 'Absolute http(s) URL of the card image (1200×630 suits every network); null → none' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(2000)
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false }, { message: 'shareImageUrl must be an absolute http(s) URL' })
  shareImageUrl?: string | null;

  @ApiPropertyOptional({ default: true, description: 'Show recent signers (first name and state only) on the page' })
  @ValidateIf((o: CreatePetitionDto) => o.showRecentSigners !== undefined) // null is refused, not stored
  @IsBoolean()
  showRecentSigners?: boolean;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://www.example.org'],
    maxItems: 20,
    description: 'Origins allowed to frame /p/:slug/embed (CSP frame-ancestors); empty → no site may',
  })
  @ValidateIf((o: CreatePetitionDto) => o.embedOrigins !== undefined)
  @Transform(toOrigins)
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  @Matches(ORIGIN_PATTERN, { each: true, message: 'each embedOrigins entry must be an origin like https://www.example.org (scheme, host, optional port; no path)' })
  embedOrigins?: string[];
}

export class UpdatePetitionDto extends PartialType(CreatePetitionDto) {}

export class ResolvedTargetDto {
  @ApiProperty({ enum: TARGET_TYPES }) type: string;
  @ApiPropertyOptional({ enum: LEADERSHIP_ROLES, nullable: true }) role?: LeadershipRole | null;
  @ApiPropertyOptional({ example: 'T000250', nullable: true, type: String }) bioguideId?: string | null;
  @ApiPropertyOptional({ example: 'John Thune', nullable: true, type: String }) name?: string | null;
  @ApiProperty({ example: 'John Thune, Senate Majority Leader' }) label: string;
  @ApiPropertyOptional({ example: 'SD', nullable: true, type: String }) state?: string | null;
  @ApiPropertyOptional({ example: 'Republican', nullable: true, type: String }) party?: string | null;
  @ApiPropertyOptional({ description: 'False when a named senator has left office or a role is vacant' }) current?: boolean;
}

export class PetitionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'As written' }) body: string;
  @ApiProperty({ enum: BODY_FORMATS }) bodyFormat: BodyFormat;
  @ApiProperty({ description: 'Rendered and sanitized' }) bodyHtml: string;
  @ApiProperty({ type: [PetitionTargetDto] }) targets: PetitionTargetDto[];
  @ApiProperty({ type: [ResolvedTargetDto], description: 'Targets resolved against the current roster' }) resolvedTargets: ResolvedTargetDto[];
  @ApiPropertyOptional({ nullable: true, type: Number }) goal: number | null;
  @ApiProperty({ enum: PETITION_STATUSES }) status: PetitionStatus;
  @ApiPropertyOptional({ nullable: true, type: String }) thankYouSubject: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) thankYouBody: string | null;
  @ApiProperty() optInText: string;
  @ApiPropertyOptional({ nullable: true, type: String }) shareTitle: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) shareDescription: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) shareImageUrl: string | null;
  @ApiProperty() showRecentSigners: boolean;
  @ApiProperty({ type: [String] }) embedOrigins: string[];
  @ApiProperty() signatureCount: number;
  @ApiProperty({ example: 'http://localhost:3000/p/pass-the-election-security-act' }) url: string;
  @ApiProperty({ example: 'http://localhost:3000/p/pass-the-election-security-act/embed', description: 'Frame it from an embedOrigins site' }) embedUrl: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) closedAt: Date | null;
}

export class PublicPetitionDto {
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'Sanitized HTML' }) bodyHtml: string;
  @ApiProperty({ type: [ResolvedTargetDto] }) targets: ResolvedTargetDto[];
  @ApiProperty() signatureCount: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) goal: number | null;
  @ApiProperty({ enum: PETITION_STATUSES }) status: PetitionStatus;
  @ApiProperty() optInText: string;
  @ApiProperty() url: string;
}

export class ListPetitionsQueryDto {
  @ApiPropertyOptional({ enum: PETITION_STATUSES })
  @IsOptional()
  @IsIn(PETITION_STATUSES)
  status?: PetitionStatus;
}
