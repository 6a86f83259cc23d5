import { BullModule } from '@nestjs/bull';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { Env } from './config/env';
import { dataSourceOptions } from './database/data-source';
import { HealthModule } from './health/health.module';
import { ApiKeyGuard } from './http/auth.guard';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { PublicThrottlerGuard } from './http/public-throttler.guard';
import { RateLimitModule } from './http/rate-limit.module';
import { createValidationPipe } from './http/validation';
import { ShutdownLogger } from './lifecycle';
import { loggingModule } from './logging/logging';
import { MailTransportService } from './mail/mail-transport.service';
import { MailController } from './mail/mail.controller';
import { MailService } from './mail/mail.service';
import { QUEUES } from './queue/queues';

const queues = BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name })));

/**
 * What every role shares: validated config, logging, the database, Redis queues, mail, auth (API keys, people's
 * accounts and sessions), the audit log, rate limits, health.
 * Global, so domain modules only import each other.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(env: Env): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        loggingModule(env),
        TypeOrmModule.forRoot({ ...dataSourceOptions(env), retryAttempts: 3, retryDelay: 1000 }),
        BullModule.forRoot({
          url: env.REDIS_URL,
          prefix: env.REDIS_PREFIX,
          settings: { stalledInterval: 15_000, maxStalledCount: 5 },
        }),
        queues,
        RateLimitModule,
        ApiKeysModule,
        UsersModule,
        AuditModule,
        HealthModule,
      ],
      controllers: [MailController],
      providers: [
        { provide: Env, useValue: env },
        MailTransportService,
        MailService,
        ShutdownLogger,
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_GUARD, useClass: PublicThrottlerGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [Env, MailService, MailTransportService, queues, ApiKeysModule, UsersModule, AuditModule],
    };
  }
}
