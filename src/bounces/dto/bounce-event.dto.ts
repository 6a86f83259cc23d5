import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

export const EVENT_TYPES = ['hard', 'soft', 'complaint', 'policy'] as const;

export class ListBounceEventsQueryDto {
  @ApiPropertyOptional({ enum: EVENT_TYPES, description: '`policy`: 5.7.x rejections about the sender (authentication, DMARC) — organizer alerts' })
  @IsOptional() @IsIn(EVENT_TYPES)
  type?: (typeof EVENT_TYPES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  blastId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  subscriberId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is not a cursor from this API' })
  cursor?: string;
}

export class BounceEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: EVENT_TYPES }) type: string;
  @ApiProperty({ example: 'ses', description: 'smtp, dsn, arf, ses, or the provider named by a webhook event' }) provider: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) subscriberId: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) blastId: string | null;
  @ApiProperty({ type: String, nullable: true, example: '550 5.1.1' }) code: string | null;
  @ApiProperty({ type: String, nullable: true }) detail: string | null;
  @ApiProperty({ enum: ['message_id', 'address', 'subscriber', 'none'], description: 'How the event was tied to its recipient' }) attribution: string;
  @ApiProperty() occurredAt: Date;
  @ApiProperty() createdAt: Date;
}

export class BounceEventPageDto {
  @ApiProperty({ type: [BounceEventDto] }) items: BounceEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' }) nextCursor: string | null;
}

export class AutomaticPauseDto {
  @ApiProperty({ enum: ['complaint_rate', 'sender_policy'] }) kind: string;
  @ApiProperty() reason: string;
  @ApiProperty() at: Date;
}

export class BlastDeliverabilityDto {
  @ApiProperty({ format: 'uuid' }) blastId: string;
  @ApiProperty({ example: 'sending' }) status: string;
  @ApiProperty({ type: String, nullable: true, description: 'While paused automatically: why (complaint rate, sender-policy rejections)' }) pauseReason: string | null;
  @ApiProperty({ type: [AutomaticPauseDto], description: 'Automatic pauses so far (at most one per kind: a resumed blast is not paused again for the same cause)' })
  automaticPauses: AutomaticPauseDto[];
  @ApiProperty({ description: 'Messages accepted by the receiving server' }) sent: number;
  @ApiProperty({ description: 'Recipients who hard-bounced' }) hardBounces: number;
  @ApiProperty({ description: 'Recipients with a soft bounce' }) softBounces: number;
  @ApiProperty() complaints: number;
  @ApiProperty({ example: 0.0012, description: 'complaints / sent' }) complaintRate: number;
  @ApiProperty({ description: 'Sender-policy rejections (5.7.x): fix authentication/DMARC; nobody was suppressed' }) policyRejections: number;
}
