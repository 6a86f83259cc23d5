import { ApiProperty } from '@nestjs/swagger';
import { IMPORT_ROW_ISSUES, IMPORT_STATUSES, ImportRowIssueReason, ImportStatus } from '../subscriber-import.entity';

export class ImportRowIssueDto {
  @ApiProperty({ description: 'Line of the file where the row starts (the header is line 1)', example: 7 }) line: number;
  @ApiProperty({ enum: IMPORT_ROW_ISSUES }) reason: ImportRowIssueReason;
  @ApiProperty({ example: 'email: must be a valid email address' }) message: string;
}

export class ImportSkippedDto {
  @ApiProperty() invalidEmail: number;
  @ApiProperty({ description: 'Later rows repeating an address already in the file (the first one is imported)' }) duplicateInFile: number;
  @ApiProperty({ description: 'Erased addresses: an import never brings them back' }) suppressed: number;
  @ApiProperty({ description: 'Rows with a bad ZIP, state, over-long field or the wrong number of columns' }) invalidRow: number;
  @ApiProperty() total: number;
}

export class ImportDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: IMPORT_STATUSES }) status: ImportStatus;
  @ApiProperty({ type: String, nullable: true }) filename: string | null;
  @ApiProperty({ description: 'Size of the uploaded file' }) bytes: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) mapping: Record<string, unknown>;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() consentBasis: string;
  @ApiProperty({ description: 'Data rows read so far (header excluded)' }) rowsRead: number;
  @ApiProperty() created: number;
  @ApiProperty({ description: 'Existing subscribers whose profile was updated (their status never changes)' }) updated: number;
  @ApiProperty({ description: 'Existing subscribers the file matched without changing anything' }) unchanged: number;
  @ApiProperty({ type: ImportSkippedDto }) skipped: ImportSkippedDto;
  @ApiProperty({ type: [ImportRowIssueDto], description: 'The first 1,000 skipped rows, by line' }) errors: ImportRowIssueDto[];
  @ApiProperty({ description: 'Every skipped row' }) errorCount: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why the import failed as a whole (then nothing was written)' })
  failure: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: Date | null;
}
