import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Public } from '../http/auth.decorators';
import { QUEUES } from '../queue/queues';

@ApiTags('health')
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
  alive() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ operationId: 'checkReady', summary: 'Readiness: PostgreSQL and Redis reachable (503 otherwise)' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down' })
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
