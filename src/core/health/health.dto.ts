import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthAliveDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}

/** One dependency's state, as @nestjs/terminus reports it. */
export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' }) status: 'up' | 'down';
  @ApiPropertyOptional({ description: 'Why it is down', example: 'timeout of 2000ms exceeded' }) message?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'How long the check took, in milliseconds', example: 3 }) responseTime?: number;
}

const INDICATORS = { type: 'object', additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' }, example: { database: { status: 'up' }, redis: { status: 'up' } } } as const;

export class HealthReadyDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
  @ApiProperty({ ...INDICATORS, description: 'Dependencies that are up' }) info: Record<string, HealthIndicatorDto>;
  @ApiProperty({ ...INDICATORS, example: {}, description: 'Dependencies that are down (none when ready)' }) error: Record<string, HealthIndicatorDto>;
  @ApiProperty({ ...INDICATORS, description: 'Every dependency' }) details: Record<string, HealthIndicatorDto>;
}

/** Not ready: the error envelope, its details naming each dependency's state. */
export class HealthUnavailableDto {
  @ApiProperty({ example: 503 }) statusCode: number;
  @ApiProperty({ example: 'Service Unavailable' }) error: string;
  @ApiProperty({ example: 'Service Unavailable' }) message: string;
  @ApiProperty({ ...INDICATORS, example: { database: { status: 'down', message: 'timeout of 2000ms exceeded' }, redis: { status: 'up' } } })
  details: Record<string, HealthIndicatorDto>;
}
