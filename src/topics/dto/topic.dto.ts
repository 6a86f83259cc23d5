import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateTopicDto {
  @ApiProperty({ example: 'Election security', minLength: 1, maxLength: 100, description: 'Unique, case-insensitively' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000, example: 'Paper ballots, audits and the people who count them' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class UpdateTopicDto {
  @ApiPropertyOptional({ example: 'Election security', minLength: 1, maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class TopicDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class SubscriberTopicDto {
  @ApiProperty({ format: 'uuid' }) topicId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'True when the subscriber does not want blasts carrying this topic' }) optedOut: boolean;
}

/** PUT /subscribers/:id/topics — the complete set of topics the subscriber opts out of (replaces the previous set). */
export class SetTopicOptOutsDto {
  @ApiProperty({ type: [String], format: 'uuid', maxItems: 1000, description: 'Topic ids; [] opts back in to everything' })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  optedOut: string[];
}
