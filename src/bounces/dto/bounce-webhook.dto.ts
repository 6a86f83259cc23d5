import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsEmailAddress } from '../../core/mail/email-address';

export const WEBHOOK_EVENT_TYPES = ['hard', 'soft', 'complaint'] as const;

/**
 * One event of the generic bounce webhook. Names the recipient by our Message-ID (preferred: it also names the
 * blast) or by address; at least one of the two.
 */
export class BounceWebhookEventDto {
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, description: 'hard: permanent failure; soft: temporary failure; complaint: marked as spam' })
  @IsIn(WEBHOOK_EVENT_TYPES)
  type: (typeof WEBHOOK_EVENT_TYPES)[number];

  @ApiPropertyOptional({ example: 'person@example.org', description: 'The recipient; required without messageId' })
  @ValidateIf((o: BounceWebhookEventDto) => o.messageId === undefined || o.email !== undefined)
  @IsEmailAddress({ message: 'email must be a valid email address (email or messageId is required)' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '<0b6f…@mail.example.org>', description: 'Message-ID of the message that bounced; required without email' })
  @ValidateIf((o: BounceWebhookEventDto) => o.email === undefined || o.messageId !== undefined)
  @IsString({ message: 'messageId must be a string (email or messageId is required)' })
  @MaxLength(998)
  messageId?: string;

  @ApiPropertyOptional({ example: '550 5.1.1', description: 'Provider or SMTP code' })
  @IsOptional() @IsString() @MaxLength(100)
  code?: string;

  @ApiPropertyOptional({ example: 'smtp; 550 5.1.1 user unknown', description: 'Diagnostic text' })
  @IsOptional() @IsString() @MaxLength(1000)
  detail?: string;

  @ApiPropertyOptional({ example: '2026-11-21T10:00:00Z', description: 'When it happened (ISO 8601); default: now. Future times are taken as now.' })
  @IsOptional() @IsISO8601({ strict: true })
  occurredAt?: string;

  @ApiPropertyOptional({ example: 'postmark', description: 'Who reports it (letters, digits, . _ -)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'provider must be 1-40 letters, digits, . _ -' })
  provider?: string;

  @ApiPropertyOptional({ example: 'evt_123', description: "The provider's event id: the same id is applied once (webhook retries)" })
  @IsOptional() @IsString() @MaxLength(200)
  id?: string;
}

export class BounceWebhookDto {
  @ApiProperty({ type: [BounceWebhookEventDto], minItems: 1, maxItems: 500 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => BounceWebhookEventDto)
  events: BounceWebhookEventDto[];
}

export class BounceActionsDto {
  @ApiPropertyOptional() bounced?: number;
  @ApiPropertyOptional() complained?: number;
  @ApiPropertyOptional({ description: 'Soft bounces counted, below the limit' }) counted?: number;
  @ApiPropertyOptional({ description: 'Sender-policy rejections recorded for the organizer' }) alerted?: number;
  @ApiPropertyOptional({ description: 'Recorded; the subscriber was already in that state' }) recorded?: number;
  @ApiPropertyOptional({ description: 'No subscriber matches the address or Message-ID' }) unmatched?: number;
  @ApiPropertyOptional({ description: 'Already received (same event id)' }) duplicate?: number;
}

export class BounceWebhookResultDto {
  @ApiProperty({ example: 1 }) events: number;
  @ApiProperty({ type: BounceActionsDto }) actions: BounceActionsDto;
}

export class DsnResultDto extends BounceWebhookResultDto {
  @ApiPropertyOptional({ enum: ['auto-reply', 'not-a-report', 'no-failure'], description: 'Why a message was not read as a bounce' })
  ignored?: string;
}

export class SesNotificationsResultDto extends BounceWebhookResultDto {
  @ApiProperty({ example: 'Notification' }) type: string;
  @ApiPropertyOptional({ enum: ['recorded', 'confirmed'] }) subscription?: string;
}
