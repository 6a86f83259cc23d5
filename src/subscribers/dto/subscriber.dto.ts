import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,

  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EMAIL_MAX_LENGTH, IsEmailAddress } from '../../core/mail/email-address';
import {
  CONSENT_TEXT_MAX_LENGTH,
  NAME_MAX_LENGTH,
  SOURCE_MAX_LENGTH,
  TAG_MAX_LENGTH,
  TAGS_MAX_COUNT,
} from '../subscriber-fields';
import { Frequency, FREQUENCIES, SUBSCRIBER_STATUSES, SubscriberStatus } from '../subscriber.entity';
import { USPS_STATE_CODES } from '../zip-states';

const STATES = [...USPS_STATE_CODES];
const ZIP = /^[0-9]{5}(-?[0-9]{4})?$/;
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const toBool = ({ value }: { value: unknown }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);

/** How the person agreed to receive mail (COMP-4). */
export class ConsentDto {
  @ApiProperty({ description: 'The wording the person agreed to, or the legal basis', example: 'Signed up at the Denver rally, 2026-10-02', maxLength: CONSENT_TEXT_MAX_LENGTH })
  @IsString()
  @Length(1, CONSENT_TEXT_MAX_LENGTH)
  text: string;

  @ApiPropertyOptional({ description: 'How the consent was given (default `organizer`)', example: 'paper-form', maxLength: SOURCE_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @Length(1, SOURCE_MAX_LENGTH)
  source?: string;
}

class ProfileFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: NAME_MAX_LENGTH, example: 'Ada' })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  firstName?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: NAME_MAX_LENGTH, example: 'Lovelace' })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  lastName?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: '5 digits or ZIP+4', example: '80202' })
  @IsOptional()
  @Transform(trim)
  @Matches(ZIP, { message: 'zip must be 5 digits or ZIP+4 (12345-6789)' })
  zip?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'USPS code; derived from the ZIP when not given', example: 'CO' })
  @IsOptional()
  @Transform(upper)
  @IsIn(STATES, { message: 'state must be a 2-letter USPS state or territory code' })
  state?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: TAGS_MAX_COUNT, example: ['volunteer'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX_COUNT)
  @IsString({ each: true })
  @Length(1, TAG_MAX_LENGTH, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Any JSON object', example: { employer: 'ACME' } })
  @IsOptional()
  @IsObject({ message: 'customFields must be a JSON object' })
  customFields?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: FREQUENCIES, description: 'How often the person hears from the campaign (PREF-2)' })
  @IsOptional()
  @IsIn(FREQUENCIES)
  frequency?: Frequency;
}

/** POST /subscribers: create, or update the profile of an existing address (status never changes — SUB-3). */
export class UpsertSubscriberDto extends ProfileFieldsDto {
  @ApiProperty({ example: 'ada@example.org', maxLength: EMAIL_MAX_LENGTH })
  @IsString()
  @MaxLength(EMAIL_MAX_LENGTH)
  @IsEmailAddress()
  email: string;

  @ApiPropertyOptional({ type: ConsentDto, description: 'Consent record; required to add an erased (suppressed) address again' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;
}

/** PATCH /subscribers/:id — profile, tags (replaced), custom fields (replaced), frequency. null clears a field. */
export class UpdateSubscriberDto extends ProfileFieldsDto {
  @ApiPropertyOptional({ example: 'ada@example.org', maxLength: EMAIL_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(EMAIL_MAX_LENGTH)
  @IsEmailAddress()
  email?: string;
}

export class ResubscribeDto {
  @ApiProperty({ type: ConsentDto, description: 'The recorded basis for mailing this person again' })
  @ValidateNested()
  @Type(() => ConsentDto)
  consent: ConsentDto;
}

/** Filters shared by list, bulk tagging and export (SUB-6). */
export class SubscriberFilterDto {
  @ApiPropertyOptional({ enum: SUBSCRIBER_STATUSES })
  @IsOptional()
  @IsIn(SUBSCRIBER_STATUSES)
  status?: SubscriberStatus;

  @ApiPropertyOptional({ description: 'Has this tag', example: 'volunteer' })
  @IsOptional()
  @IsString()
  @Length(1, TAG_MAX_LENGTH)
  tag?: string;

  @ApiPropertyOptional({ description: 'USPS state code', example: 'CO' })
  @IsOptional()
  @Transform(upper)
  @IsIn(STATES, { message: 'state must be a 2-letter USPS state or territory code' })
  state?: string;

  @ApiPropertyOptional({ description: 'Text contained in the email, first or last name (case-insensitive)', example: 'lovelace' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class ListSubscribersQueryDto extends SubscriberFilterDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class ExportSubscribersQueryDto extends SubscriberFilterDto {
  @ApiPropertyOptional({ description: 'Admins only: also export unsubscribed, bounced and complained people', default: false })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  includeSuppressed?: boolean;
}

export class BulkTagsDto {
  @ApiProperty({ enum: ['add', 'remove'] })
  @IsIn(['add', 'remove'])
  action: 'add' | 'remove';

  @ApiProperty({ type: [String], minItems: 1, maxItems: TAGS_MAX_COUNT, example: ['volunteer'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(TAGS_MAX_COUNT)
  @IsString({ each: true })
  @Length(1, TAG_MAX_LENGTH, { each: true })
  tags: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: 10000, description: 'Exactly one of `ids` and `filter`' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10000)
  @IsUUID('all', { each: true })
  ids?: string[];

  @ApiPropertyOptional({ type: SubscriberFilterDto, description: 'Exactly one of `ids` and `filter`; `{}` means everyone' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SubscriberFilterDto)
  filter?: SubscriberFilterDto;
}

export class BulkTagsResultDto {
  @ApiProperty({ description: 'Subscribers whose tags changed' }) affected: number;
}

export class SubscriberDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: String, nullable: true }) firstName: string | null;
  @ApiProperty({ type: String, nullable: true }) lastName: string | null;
  @ApiProperty({ type: String, nullable: true }) zip: string | null;
  @ApiProperty({ type: String, nullable: true }) state: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) customFields: Record<string, unknown>;
  @ApiProperty({ enum: SUBSCRIBER_STATUSES }) status: SubscriberStatus;
  @ApiProperty({ enum: FREQUENCIES }) frequency: Frequency;
  @ApiProperty({ type: String, nullable: true }) source: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) consentAt: Date | null;
  @ApiProperty({ type: String, nullable: true }) consentSource: string | null;
  @ApiProperty({ type: String, nullable: true }) consentText: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) unsubscribedAt: Date | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) unsubscribedBlastId: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) erasedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class UpsertSubscriberResultDto extends SubscriberDto {
  @ApiProperty({ description: 'True when this call created the subscriber' }) created: boolean;
}

export class SubscriberPageDto {
  @ApiProperty({ type: [SubscriberDto] }) items: SubscriberDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}

export class TopicOptOutRefDto {
  @ApiProperty({ format: 'uuid' }) topicId: string;
  @ApiProperty() name: string;
}

export class PersonalDataExportDto {
  @ApiProperty({ type: SubscriberDto }) subscriber: SubscriberDto;
  @ApiProperty({ type: [TopicOptOutRefDto] }) topicOptOuts: TopicOptOutRefDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'object', additionalProperties: true } },
    description: 'Rows of other tables about this person (petition signatures, deliveries, events…), by table; token and hash columns left out',
  })
  related: Record<string, Record<string, unknown>[]>;
  @ApiProperty({ type: String, format: 'date-time' }) exportedAt: string;
}
