import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { EMAIL_MAX_LENGTH, IsEmailAddress } from '../../core/mail/email-address';
import { CONSENT_TEXT_MAX_LENGTH, NAME_MAX_LENGTH, SOURCE_MAX_LENGTH } from '../../subscribers/subscriber-fields';


/** A person asking to join the list through the organizer's own form (website, app) calling the API. */
export class SignupDto {
  @ApiProperty({ example: 'ada@example.org', maxLength: EMAIL_MAX_LENGTH })
  @IsString() @MaxLength(EMAIL_MAX_LENGTH) @IsEmailAddress()
  email: string;

  @ApiPropertyOptional({ maxLength: NAME_MAX_LENGTH, example: 'Ada' })
  @IsOptional() @IsString() @MaxLength(NAME_MAX_LENGTH)
  firstName?: string;

  @ApiPropertyOptional({ maxLength: NAME_MAX_LENGTH, example: 'Lovelace' })
  @IsOptional() @IsString() @MaxLength(NAME_MAX_LENGTH)
  lastName?: string;

  @ApiPropertyOptional({ example: '80202' })
  @IsOptional() @IsString() @Matches(/^[0-9]{5}(-?[0-9]{4})?$/, { message: 'zip must be 5 digits or ZIP+4 (12345-6789)' })
  zip?: string;

  @ApiPropertyOptional({ description: 'Where the signup happened (default `api`)', example: 'website:footer-form', maxLength: SOURCE_MAX_LENGTH })
  @IsOptional() @IsString() @Length(1, SOURCE_MAX_LENGTH)
  source?: string;

  @ApiProperty({ description: 'The wording the person agreed to on the form (consent record, COMP-4)', example: 'Email me campaign updates.', maxLength: CONSENT_TEXT_MAX_LENGTH })
  @IsString() @Length(1, CONSENT_TEXT_MAX_LENGTH)
  consentText: string;
}

export class SignupResultDto {
  @ApiProperty({ format: 'uuid' }) subscriberId: string;
  @ApiProperty({ example: 'unconfirmed', description: '`unconfirmed` under double opt-in until the person confirms' }) status: string;
  @ApiProperty({ description: 'A confirmation email was queued (double opt-in, person not yet confirmed)' }) confirmationSent: boolean;
}
