import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { Env } from '../config/env';
import { RedisThrottlerStorage } from './redis-throttler.storage';

@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/** Per-IP rate limits in Redis (SEC-3). `default` is the public budget per minute; routes override with @Throttle. */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  imports: [RateLimitStorageModule],
  inject: [Env, RedisThrottlerStorage],
  useFactory: (env: Env, storage: RedisThrottlerStorage) => ({
    throttlers: [{ name: 'default', ttl: 60_000, limit: env.RATE_LIMIT_PUBLIC_PER_MINUTE }],
    storage,
    errorMessage: 'Too many requests from this address; retry after the time in Retry-After',
  }),
});
