import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { DISCLAIMER_KINDS, DisclaimerKind } from '../settings.entity';
import { IsEmailAddress } from '../../core/mail/email-address';

/** PATCH semantics: only the fields given change; `null` clears an optional field. */
export class UpdateSettingsDto {
  @ApiPropertyOptional({ type: String, example: 'Friends of Jane Doe', maxLength: 200, nullable: true })
  @IsOptional() @IsString() @Length(1, 200)
  legalName?: string | null;

  @ApiPropertyOptional({ type: String, example: 'PO Box 1234, Denver, CO 80201', maxLength: 500, nullable: true })
  @IsOptional() @IsString() @Length(5, 500)
  postalAddress?: string | null;

  @ApiPropertyOptional({ type: String, example: 'mail.janedoe.org', nullable: true })
  @IsOptional() @IsString()
  @Matches(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, { message: 'sendingDomain must be a domain name' })
  sendingDomain?: string | null;

  @ApiPropertyOptional({ type: String, example: 'Jane Doe', maxLength: 100, nullable: true })
  @IsOptional() @IsString() @Length(1, 100) @Matches(/^[^\r\n<>"]+$/, { message: 'defaultFromName must not contain line breaks, <, > or "' })
  defaultFromName?: string | null;

  @ApiPropertyOptional({ type: String, example: 'jane@mail.janedoe.org', nullable: true })
  @IsOptional() @IsEmailAddress() @MaxLength(254)
  defaultFromEmail?: string | null;

  @ApiPropertyOptional({ type: String, example: 'team@janedoe.org', nullable: true })
  @IsOptional() @IsEmailAddress() @MaxLength(254)
  defaultReplyTo?: string | null;

  @ApiPropertyOptional({
    enum: DISCLAIMER_KINDS,
    description:
      'FEC disclaimer form: `committee` → "Paid for by <paidBy>."; `committee_authorized_by_candidate` → "Paid for by ' +
      '<paidBy> and authorized by <candidate>."; `not_authorized` → "Paid for by <paidBy> and not authorized by any ' +
      'candidate or candidate\'s committee."; `none` → no disclaimer.',
  })
  @IsOptional() @IsIn(DISCLAIMER_KINDS)
  disclaimerKind?: DisclaimerKind;

  @ApiPropertyOptional({ type: String, example: 'Friends of Jane Doe', description: 'Who paid (defaults to the legal name)', nullable: true })
  @IsOptional() @IsString() @Length(1, 200)
  disclaimerPaidBy?: string | null;

  @ApiPropertyOptional({ type: String, example: 'Jane Doe', description: 'Authorizing candidate (form committee_authorized_by_candidate)', nullable: true })
  @IsOptional() @IsString() @Length(1, 200)
  disclaimerCandidate?: string | null;

  @ApiPropertyOptional({ description: 'Show the non-deductibility notice' })
  @IsOptional() @IsBoolean()
  nonDeductibleNotice?: boolean;

  @ApiPropertyOptional({ type: String, example: 'Contributions or gifts to {name} are not tax deductible.', description: '`{name}` becomes the legal name', nullable: true })
  @IsOptional() @IsString() @Length(1, 500)
  nonDeductibleText?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['Federal law requires us to use our best efforts to collect the name, address, occupation and employer of individuals whose contributions exceed $200 in an election cycle.'] })
  @IsOptional() @IsString({ each: true }) @Length(1, 1000, { each: true }) @ArrayMaxSize(10)
  extraNotices?: string[];

  @ApiPropertyOptional({ type: 'integer', example: 2, description: 'PREF-3: at most N blasts per person per rolling 24 h; null for no cap', nullable: true })
  @IsOptional() @IsInt() @Min(1) @Max(100)
  orgCapPerDay?: number | null;

  @ApiPropertyOptional({ description: 'COMP-4: new sign-ups must confirm by email before they receive blasts' })
  @IsOptional() @IsBoolean()
  doubleOptIn?: boolean;
}

/** Fields that may be null (cleared) in an update; the rest must have a value when given. */
export const NULLABLE_SETTINGS: (keyof UpdateSettingsDto)[] = [
  'legalName', 'postalAddress', 'sendingDomain', 'defaultFromName', 'defaultFromEmail', 'defaultReplyTo',
  'disclaimerPaidBy', 'disclaimerCandidate', 'nonDeductibleText', 'orgCapPerDay',
];

export class SettingsDto {
  @ApiProperty({ nullable: true, type: String }) legalName: string | null;
  @ApiProperty({ nullable: true, type: String }) postalAddress: string | null;
  @ApiProperty({ nullable: true, type: String }) sendingDomain: string | null;
  @ApiProperty({ nullable: true, type: String }) defaultFromName: string | null;
  @ApiProperty({ nullable: true, type: String }) defaultFromEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) defaultReplyTo: string | null;
  @ApiProperty({ enum: DISCLAIMER_KINDS }) disclaimerKind: DisclaimerKind;
  @ApiProperty({ nullable: true, type: String }) disclaimerPaidBy: string | null;
  @ApiProperty({ nullable: true, type: String }) disclaimerCandidate: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The disclaimer as printed in the footer' }) disclaimer: string | null;
  @ApiProperty() nonDeductibleNotice: boolean;
  @ApiProperty({ nullable: true, type: String }) nonDeductibleText: string | null;
  @ApiProperty({ type: [String] }) extraNotices: string[];
  @ApiProperty({ nullable: true, type: Number }) orgCapPerDay: number | null;
  @ApiProperty() doubleOptIn: boolean;
  @ApiProperty({ description: 'Whether blasts may be sent as composed by default: legal name, postal address and default from address are set' })
  readyToSend: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Why not, or null. A missing legalName or postalAddress holds every blast; without defaultFromEmail only blasts that set their own fromEmail can be sent',
    example: 'no default from address: set defaultFromEmail, or every blast needs its own fromEmail',
  })
  notReadyReason: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}
