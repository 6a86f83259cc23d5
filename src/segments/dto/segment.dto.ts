import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';

/** PostgreSQL text cannot hold NUL: refuse it as a 400 rather than fail in the database. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const NO_NUL = /^[^\u0000]*$/;
const NO_NUL_MESSAGE = '$property must not contain NUL characters';

const RULES_DOC = {
  type: 'object',
  additionalProperties: true,
  description:
    'Rule tree (SEG-1): {"and":[…]}, {"or":[…]}, {"not":…}; leaves {"tag":"volunteer"} (or a list: any of), ' +
    '{"state":["CO","AL"]}, {"zipPrefix":"802"}, {"field":"firstName","op":"eq|neq|in|exists|prefix","value":…} ' +
    '(fields firstName, lastName, email, zip, state, source, consentSource, frequency; createdAt/updatedAt/consentAt ' +
    'take exists|gt|gte|lt|lte), {"custom":"key","op":"eq|neq|in|exists|prefix|gt|gte|lt|lte","value":…}, ' +
    '{"signed":"<petition id or slug>"}, {"signedAnySince":"2026-01-01"}, {"joined":{"after":…,"before":…}} ' +
    '(after inclusive, before exclusive), {"received":"<blast id>"}, {"topicOptedOut":"<topic id>"}, ' +
    '{"segment":"<segment id>"}. At most 10 levels deep and 500 rules; bad nodes are named by path in a 400.',
  example: { and: [{ tag: 'volunteer' }, { state: ['CO', 'AL'] }, { not: { signed: 'save-the-filibuster' } }] },
} as const;

export class CreateSegmentDto {
  @ApiProperty({ example: 'Colorado volunteers', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  @Matches(/\S/, { message: '$property must not be blank' })
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  description?: string | null;

  @ApiProperty(RULES_DOC)
  @IsObject()
  rules: Record<string, unknown>;
}

export class UpdateSegmentDto {
  // Absent means unchanged; null is not a name (so not @IsOptional, which would let null through).
  @ApiPropertyOptional({ maxLength: 200 })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @Length(1, 200)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  @Matches(/\S/, { message: '$property must not be blank' })
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(2000)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  description?: string | null;

  @ApiPropertyOptional(RULES_DOC)
  @ValidateIf((_, v) => v !== undefined)
  @IsObject()
  rules?: Record<string, unknown>;
}

export class PreviewSegmentDto {
  @ApiProperty(RULES_DOC)
  @IsObject()
  rules: Record<string, unknown>;
}

export class SegmentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ type: String, nullable: true }) description: string | null;
  @ApiProperty(RULES_DOC) rules: unknown;
  @ApiProperty({ type: [String], description: 'Segments these rules reference directly' }) referencedSegmentIds: string[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class SegmentMemberSampleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiPropertyOptional({ type: String, nullable: true }) firstName: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) lastName: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) state: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) zip: string | null;
}

export class SegmentCountDto {
  @ApiProperty({ description: 'Subscribed people matching the rules right now', example: 18234 }) count: number;
  @ApiProperty({ type: [SegmentMemberSampleDto], description: 'Up to 10 of them' }) sample: SegmentMemberSampleDto[];
}
