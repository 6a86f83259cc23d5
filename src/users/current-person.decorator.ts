import { createParamDecorator, ExecutionContext, ForbiddenException } from '@nestjs/common';
import type { Caller } from '../core/http/caller';
import type { SessionCaller } from './sessions.service';

/** The person signed in with the session cookie; an API key (a machine, no account) gets 403. */
export const CurrentPerson = createParamDecorator((_: unknown, ctx: ExecutionContext): SessionCaller => {
  const caller = ctx.switchToHttp().getRequest<{ caller?: Caller }>().caller;
  if (!caller?.session || !caller.userId) {
    throw new ForbiddenException('This needs a person signed in to the console (an API key has no account)');
  }
  return caller as SessionCaller;
});
