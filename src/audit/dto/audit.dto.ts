import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_ACTOR_TYPES, AuditActorType } from '../audit-event.entity';
import { AUDIT_ACTIONS } from '../audit.service';

export class ListAuditQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, description: 'Only this action' })
  @IsOptional() @IsIn(AUDIT_ACTIONS)
  action?: string;

  @ApiPropertyOptional({ example: 'blast', maxLength: 50, description: 'Only events about this kind of subject' })
  @IsOptional() @IsString() @MaxLength(50)
  subjectType?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Only events about this subject (with subjectType, or alone)' })
  @IsOptional() @IsString() @MaxLength(100)
  subjectId?: string;

  @ApiPropertyOptional({ maxLength: 300, description: 'Only this actor: a user or API key id, or its label (an address, `API key "name"`), case-insensitive' })
  @IsOptional() @IsString() @MaxLength(300)
  actor?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor from the previous page (nextCursor)', pattern: '^[1-9][0-9]{0,17}$' })
  @IsOptional() @IsString() @Matches(/^[1-9]\d{0,17}$/, { message: 'cursor is not valid' })
  cursor?: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Increasing id (a string: bigint)', example: '42' }) id: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ enum: AUDIT_ACTOR_TYPES }) actorType: AuditActorType;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user or API key id; null for the system and ADMIN_API_KEY' })
  actorId: string | null;
  @ApiProperty({ description: 'Who: the person\'s address, `API key "name"`, `ADMIN_API_KEY` or `system (…)`', example: 'ada@example.org' })
  actorLabel: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: string;
  @ApiProperty({ example: 'blast' }) subjectType: string;
  @ApiProperty({ type: String, nullable: true }) subjectId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What changed: field names, statuses, counts — never addresses or secrets' })
  details: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
