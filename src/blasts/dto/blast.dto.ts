import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { DELIVERY_STATUSES, DeliveryStatus, SKIP_REASONS, SkipReason } from '../blast-delivery.entity';
import { BLAST_PRIORITIES, BLAST_STATUSES, BlastPriority, BlastStatus } from '../blast.entity';
import { IsEmailAddress } from '../../core/mail/email-address';

const NO_HEADER_BREAKS = /^[^\r\n]*$/;
export const MAX_TEMPLATE_LENGTH = 500_000;

export class CreateBlastDto {
  @ApiProperty({ example: 'Stop the stall — October push', maxLength: 200 })
  @IsString() @Length(1, 200)
  name: string;

  @ApiProperty({ example: '{{default firstName "Friend"}}, the Senate is stalling again', description: 'Template (merge fields allowed)', maxLength: 500 })
  @IsString() @Length(1, 500) @Matches(NO_HEADER_BREAKS, { message: 'subject must be one line' })
  subject: string;

  @ApiPropertyOptional({ type: String, example: 'Two minutes to tell them: bring it to a vote', maxLength: 500, nullable: true })
  @IsOptional() @IsString() @MaxLength(500)
  preheader?: string | null;

  @ApiPropertyOptional({ type: String, example: 'Jane Doe', maxLength: 100, nullable: true, description: 'Default: the settings\' defaultFromName' })
  @IsOptional() @IsString() @Length(1, 100) @Matches(/^[^\r\n<>"]+$/, { message: 'fromName must not contain line breaks, <, > or "' })
  fromName?: string | null;

  @ApiPropertyOptional({ type: String, example: 'jane@mail.janedoe.org', nullable: true, description: 'Default: the settings\' defaultFromEmail' })
  @IsOptional() @IsEmailAddress() @MaxLength(254)
  fromEmail?: string | null;

  @ApiPropertyOptional({ type: String, example: 'team@janedoe.org', nullable: true })
  @IsOptional() @IsEmailAddress() @MaxLength(254)
  replyTo?: string | null;

  @ApiProperty({ description: 'Handlebars HTML template (MSG-2): {{firstName}}, {{default firstName "Friend"}}, custom.<key>, {{#if}}', maxLength: MAX_TEMPLATE_LENGTH })
  @IsString() @Length(1, MAX_TEMPLATE_LENGTH)
  htmlBody: string;

  @ApiPropertyOptional({ type: String, description: 'Text template; when absent the text part is generated from the HTML', nullable: true, maxLength: MAX_TEMPLATE_LENGTH })
  @IsOptional() @IsString() @Length(1, MAX_TEMPLATE_LENGTH)
  textBody?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Saved segment; null or absent → every subscriber' })
  @IsOptional() @IsUUID()
  segmentId?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Topic (PREF-1): subscribers opted out of it are skipped' })
  @IsOptional() @IsUUID()
  topicId?: string | null;

  @ApiPropertyOptional({ enum: BLAST_PRIORITIES, default: 'normal', description: '`important` also reaches important_only subscribers' })
  @IsOptional() @IsIn(BLAST_PRIORITIES)
  priority?: BlastPriority;

  @ApiPropertyOptional({ type: 'integer', example: 10000, nullable: true, description: 'SEG-4: send to this many of the audience, chosen at random' })
  @IsOptional() @IsInt() @Min(1) @Max(100_000_000)
  randomLimit?: number | null;
}

export class UpdateBlastDto {
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @IsString() @Length(1, 500) @Matches(NO_HEADER_BREAKS, { message: 'subject must be one line' })
  subject?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() @MaxLength(500) preheader?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional() @IsString() @Length(1, 100) @Matches(/^[^\r\n<>"]+$/, { message: 'fromName must not contain line breaks, <, > or "' })
  fromName?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsEmailAddress() @MaxLength(254) fromEmail?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsEmailAddress() @MaxLength(254) replyTo?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, MAX_TEMPLATE_LENGTH) htmlBody?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() @Length(1, MAX_TEMPLATE_LENGTH) textBody?: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) @IsOptional() @IsUUID() segmentId?: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) @IsOptional() @IsUUID() topicId?: string | null;
  @ApiPropertyOptional({ enum: BLAST_PRIORITIES }) @IsOptional() @IsIn(BLAST_PRIORITIES) priority?: BlastPriority;
  @ApiPropertyOptional({ type: 'integer', nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(100_000_000) randomLimit?: number | null;
}

export class ScheduleBlastDto {
  @ApiProperty({ example: '2026-11-23T15:00:00Z', description: 'When to start sending (future, ISO 8601)' })
  @IsDateString({ strict: true })
  sendAt: string;
}

export class PreviewBlastDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Render for this subscriber; absent → a sample recipient' })
  @IsOptional() @IsUUID()
  subscriberId?: string;
}

export class TestSendBlastDto {
  @ApiProperty({ type: [String], example: ['organizer@example.org'], description: '1–10 addresses, mailed now' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @IsEmailAddress({ each: true }) @MaxLength(254, { each: true })
  to: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'Merge this subscriber\'s fields; absent → a sample recipient' })
  @IsOptional() @IsUUID()
  subscriberId?: string;
}

export class ListBlastsQueryDto {
  @ApiPropertyOptional({ enum: BLAST_STATUSES }) @IsOptional() @IsIn(BLAST_STATUSES) status?: BlastStatus;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
  @ApiPropertyOptional({ description: 'Cursor from the previous page' }) @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

export class LedgerQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: DeliveryStatus;
  @ApiPropertyOptional({ enum: SKIP_REASONS }) @IsOptional() @IsIn(SKIP_REASONS) skipReason?: SkipReason;
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: the last subscriberId of the previous page' })
  @IsOptional() @IsUUID()
  cursor?: string;
  @ApiPropertyOptional({ maxLength: 254, example: 'alex@', description: 'Only recipients whose address starts with this (case-insensitive)' })
  @IsOptional() @IsString() @Length(1, 254)
  q?: string;
}

export class LedgerExportQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: DeliveryStatus;
  @ApiPropertyOptional({ enum: SKIP_REASONS }) @IsOptional() @IsIn(SKIP_REASONS) skipReason?: SkipReason;
  @ApiPropertyOptional({ maxLength: 254, description: 'Only recipients whose address starts with this (case-insensitive)' })
  @IsOptional() @IsString() @Length(1, 254)
  q?: string;
}

export class BlastDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() subject: string;
  @ApiProperty({ nullable: true, type: String }) preheader: string | null;
  @ApiProperty({ nullable: true, type: String }) fromName: string | null;
  @ApiProperty({ nullable: true, type: String }) fromEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) replyTo: string | null;
  @ApiProperty() htmlBody: string;
  @ApiProperty({ nullable: true, type: String }) textBody: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) segmentId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) topicId: string | null;
  @ApiProperty({ enum: BLAST_PRIORITIES }) priority: BlastPriority;
  @ApiProperty({ nullable: true, type: Number }) randomLimit: number | null;
  @ApiProperty({ enum: BLAST_STATUSES }) status: BlastStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why it paused itself (complaint-rate guard); null when paused by hand' }) pauseReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) scheduledAt: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) frozenAt: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) cancelledAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class BlastPageDto {
  @ApiProperty({ type: [BlastDto] }) items: BlastDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class TemplateProblemDto {
  @ApiProperty({ example: 'htmlBody' }) path: string;
  @ApiProperty() message: string;
}

export class ValidationResultDto {
  @ApiProperty() valid: boolean;
  @ApiProperty({ type: [TemplateProblemDto] }) problems: TemplateProblemDto[];
}

export class PreviewDto {
  @ApiProperty() subject: string;
  @ApiProperty() html: string;
  @ApiProperty() text: string;
  @ApiProperty({ description: 'Whose data was merged: a subscriber id, or "sample"' }) recipient: string;
}

export class TestSendResultDto {
  @ApiProperty({ type: [String] }) sent: string[];
}

export class SkippedStatsDto {
  @ApiProperty() notSubscribed: number;
  @ApiProperty() suppressed: number;
  @ApiProperty() topicOptOut: number;
  @ApiProperty() frequencyCap: number;
  @ApiProperty() orgCap: number;
}

export class BlastStatsDto {
  @ApiProperty({ format: 'uuid' }) blastId: string;
  @ApiProperty({ enum: BLAST_STATUSES }) status: BlastStatus;
  @ApiProperty({ description: 'Recipients frozen to receive it (excludes the skipped)' }) audience: number;
  @ApiProperty() skipped: number;
  @ApiProperty({ type: SkippedStatsDto }) skippedByReason: SkippedStatsDto;
  @ApiProperty() pending: number;
  @ApiProperty() sending: number;
  @ApiProperty() sent: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty() bounced: number;
  @ApiProperty() complained: number;
  @ApiProperty() unsubscribed: number;
  @ApiProperty({ description: 'Petition signatures made from this blast\'s links (our petition links carry blast=<id>)' }) actions: number;
  @ApiProperty({ description: 'Messages re-sent after a worker died mid-send; each may have arrived twice (MSG-7)' }) possibleDuplicates: number;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' }) subscriberId: string;
  @ApiProperty({ nullable: true, type: String, description: 'null when the subscriber was erased' }) email: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty({ enum: SKIP_REASONS, nullable: true }) skipReason: SkipReason | null;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number }) responseCode: number | null;
  @ApiProperty({ nullable: true, type: String }) response: string | null;
  @ApiProperty({ nullable: true, type: String }) messageId: string | null;
  @ApiProperty() possibleDuplicate: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) items: DeliveryDto[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) nextCursor: string | null;
}

export class AudienceEstimateDto {
  @ApiProperty({ format: 'uuid' }) blastId: string;
  @ApiProperty({ description: 'Members of the segment (or every subscriber) right now, whatever their status' }) total: number;
  @ApiProperty({ description: 'How many it would be sent to if the audience were frozen now' }) send: number;
  @ApiProperty({ description: 'Mailable, but left out by the random limit' }) beyondLimit: number;
  @ApiProperty({ type: SkippedStatsDto, description: 'How many each rule would skip' }) skippedByReason: SkippedStatsDto;
  @ApiProperty({ nullable: true, type: String, description: 'The sender it would go out as: the blast\'s from name, else the settings\' default' }) fromName: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The blast\'s from address, else the settings\' default; null when neither is set' }) fromEmail: string | null;
}

export class TimelinePointDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start of the bucket' }) at: Date;
  @ApiProperty() sent: number;
}

export class SentTimelineDto {
  @ApiProperty({ format: 'uuid' }) blastId: string;
  @ApiProperty({ description: 'Width of each bucket in seconds' }) bucketSeconds: number;
  @ApiProperty({ type: [TimelinePointDto], description: 'Buckets with at least one message sent, oldest first' }) points: TimelinePointDto[];
}
