import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Env } from '../core/config/env';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * PET-5: at most PETITION_SIGNATURES_PER_IP_PER_DAY sign attempts per IP per 24 hours, counted in Redis (shared by
 * every api instance) and shared by the JSON endpoint and the hosted page's form. On top of the per-minute limit
 * every public route has.
 */
@Injectable()
export class SigningRateLimitGuard implements CanActivate {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly env: Env,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const limit = this.env.PETITION_SIGNATURES_PER_IP_PER_DAY;
    const record = await this.storage.increment(`petition-sign:${req.ip}`, DAY_MS, limit, DAY_MS, 'petition-sign');
    if (record.isBlocked || record.totalHits > limit) {
      const retryAfter = Math.max(1, record.timeToBlockExpire || record.timeToExpire);
      ctx.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(retryAfter));
      throw new HttpException('Too many signatures from this address today; please try again later', HttpStatus.TOO_MANY_REQUESTS);
    }
    return true;
  }
}
