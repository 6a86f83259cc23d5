import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { EMAIL_MAX_LENGTH, IsEmailAddress } from '../../core/mail/email-address';
import { USER_ROLES, UserRole } from '../user.entity';

export const USER_NAME_MAX_LENGTH = 100;
/** A name shows in the console and in mail: no control or invisible format characters, no line breaks. */
const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A person's display name: 1-100 printable characters, trimmed. */
export const IsPersonName = () =>
  applyDecorators(
    Transform(trim),
    IsString(),
    Length(1, USER_NAME_MAX_LENGTH),
    Matches(PRINTABLE, { message: '$property must not contain control or invisible characters' }),
  );

export class CreateUserDto {
  @ApiProperty({ example: 'ada@example.org', maxLength: EMAIL_MAX_LENGTH })
  @IsEmailAddress()
  email: string;

  @ApiProperty({ enum: USER_ROLES, example: 'organizer' })
  @IsIn(USER_ROLES)
  role: UserRole;

  @ApiPropertyOptional({ example: 'Ada Lovelace', minLength: 1, maxLength: USER_NAME_MAX_LENGTH })
  @IsOptional() @IsPersonName()
  name?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional() @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'true signs the person out everywhere and refuses their sign-ins' })
  @IsOptional() @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, minLength: 1, maxLength: USER_NAME_MAX_LENGTH, description: 'null clears it' })
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsPersonName()
  name?: string | null;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ada@example.org' }) email: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ enum: USER_ROLES }) role: UserRole;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ description: 'A second factor (TOTP) is required at sign-in' }) totpEnabled: boolean;
  @ApiProperty({ description: 'Invited (or given a sign-in link) and has not set a password yet' }) invitePending: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the current invitation link stops working' })
  inviteExpiresAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSignInAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}
