import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';
import { FREQUENCIES, type Frequency } from '../../subscribers/subscriber.entity';

export const PREFERENCE_ACTIONS = ['save', 'unsubscribe', 'resubscribe'] as const;
export type PreferenceAction = (typeof PREFERENCE_ACTIONS)[number];

/** A repeated form field arrives as an array, a single one as a string: always an array here. */
const asArray = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : ([] as unknown[]).concat(value));

/** The preference center's form (application/x-www-form-urlencoded), as the page posts it. */
export class PreferenceFormDto {
  @ApiPropertyOptional({ enum: PREFERENCE_ACTIONS, default: 'save', description: 'Which button was pressed' })
  @IsOptional()
  @IsIn(PREFERENCE_ACTIONS)
  action?: PreferenceAction;

  @ApiPropertyOptional({ enum: FREQUENCIES, description: 'How often to receive blasts (PREF-2)' })
  @IsOptional()
  @IsIn(FREQUENCIES)
  frequency?: Frequency;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Topics the person wants (checked boxes)' })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  topics?: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Topics the page showed: only these are updated, so a topic created after the page loaded is left alone',
  })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  shownTopics?: string[];
}
