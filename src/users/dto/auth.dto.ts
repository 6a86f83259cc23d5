import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { EMAIL_MAX_LENGTH } from '../../core/mail/email-address';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-hasher';
import { USER_ROLES, UserRole } from '../user.entity';
import { IsPersonName, USER_NAME_MAX_LENGTH } from './user.dto';

const NEW_PASSWORD = { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, format: 'password' };
const IsNewPassword = () => Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
  message: `$property must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
});

export class LoginDto {
  @ApiProperty({ example: 'ada@example.org', maxLength: EMAIL_MAX_LENGTH })
  @IsString() @Length(1, EMAIL_MAX_LENGTH)
  email: string;

  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsString() @Length(1, PASSWORD_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({ description: 'The 6-digit code of the authenticator app, when the account has TOTP on', example: '123456', maxLength: 16 })
  @IsOptional() @IsString() @MaxLength(16)
  totp?: string;
}

export class SessionUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ada@example.org' }) email: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ enum: USER_ROLES }) role: UserRole;
  @ApiProperty() totpEnabled: boolean;
}

export class SessionDto {
  @ApiProperty({ type: SessionUserDto }) user: SessionUserDto;
  @ApiProperty({ description: 'Send it as X-CSRF-Token with every write made with the session cookie' })
  csrfToken: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsString() @Length(1, PASSWORD_MAX_LENGTH)
  currentPassword: string;

  @ApiProperty(NEW_PASSWORD)
  @IsString() @IsNewPassword()
  newPassword: string;
}

export class TotpSetupDto {
  @ApiProperty({ description: 'Base32 secret, for typing into an authenticator app', example: 'JBSWY3DPEHPK3PXP' }) secret: string;
  @ApiProperty({ description: 'otpauth:// URI, for a QR code', example: 'otpauth://totp/Cloture:ada%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Cloture' })
  otpauthUrl: string;
}

export class TotpCodeDto {
  @ApiProperty({ description: 'The current 6-digit code of the authenticator app', example: '123456', pattern: '^[0-9]{6}$' })
  @IsString() @Matches(/^\d{6}$/, { message: 'code must be the 6 digits shown by the authenticator app' })
  code: string;
}

export class AcceptInviteDto {
  @ApiProperty({ description: 'The token from the invitation link (after #token=)', maxLength: 200 })
  @IsString() @Length(1, 200)
  token: string;

  @ApiProperty(NEW_PASSWORD)
  @IsString() @IsNewPassword()
  password: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', minLength: 1, maxLength: USER_NAME_MAX_LENGTH })
  @IsOptional() @IsPersonName()
  name?: string;
}
