import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { IS_PUBLIC } from './auth.decorators';

/**
 * Per-IP limits apply to public routes (signing, token pages, webhooks); organizer routes are keyed and trusted.
 * Routes tune their budget with @Throttle and opt out with @SkipThrottle.
 */
@Injectable()
export class PublicThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    return !this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
  }
}
