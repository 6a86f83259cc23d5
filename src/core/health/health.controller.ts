import { Controller, Get } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Public } from '../http/auth.decorators';
import { QUEUES } from '../queue/queues';
import { HealthAliveDto, HealthIndicatorDto, HealthReadyDto, HealthUnavailableDto } from './health.dto';

@ApiTags('health')
@ApiExtraModels(HealthIndicatorDto)
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(QUEUES.mail) private readonly mailQueue: Queue,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'checkAlive', summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: 'The process answers', type: HealthAliveDto })
  alive(): HealthAliveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ operationId: 'checkReady', summary: 'Readiness: PostgreSQL and Redis reachable (503 otherwise)' })
  @ApiOkResponse({ description: 'PostgreSQL and Redis answer', type: HealthReadyDto })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down', type: HealthUnavailableDto })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database').withTimeout(2000),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            const pong = await this.mailQueue.client.ping();
            if (pong !== 'PONG') throw new Error('unexpected PING answer');
          })
          .withTimeout(2000),
    ]);
  }
}
