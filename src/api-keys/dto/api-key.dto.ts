import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { API_KEY_ROLES, ApiKeyRole } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Field team laptop', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: API_KEY_ROLES, example: 'organizer' })
  @IsIn(API_KEY_ROLES)
  role: ApiKeyRole;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role: ApiKeyRole;
  @ApiProperty({ description: 'First characters of the key, to tell keys apart', example: 'clk_Q2xvdHVy' }) prefix: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastUsedAt: Date | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) revokedAt: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. Shown only in this response; store it now.' })
  key: string;
}
