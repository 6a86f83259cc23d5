import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'targets[2].role' }) path: string;
  @ApiProperty({ example: 'role must be one of the following values: majority_leader, …' }) message: string;
}

/** The one error envelope every endpoint answers with (SPEC API-3). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({ example: 'email: email must be an email' }) message: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Every invalid field, for validation errors' })
  details?: FieldErrorDto[];
}
