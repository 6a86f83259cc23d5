import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiCookieAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { ApiKeyRole } from '../../api-keys/api-key.entity';
import type { Caller } from './caller';
import { ErrorResponseDto } from './error-response.dto';

export const IS_PUBLIC = 'cloture:public';
export const REQUIRED_ROLE = 'cloture:role';
export const ACCEPTED_BODY_TYPES = 'cloture:body-types';

/** No API key needed (public petition endpoints, token pages, webhooks, health). Rate limited per IP instead. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The least role a route needs. Without it: GET/HEAD need `viewer`, anything else `organizer`
 * (so viewers are read-only everywhere by default).
 */
export const Roles = (role: ApiKeyRole) => SetMetadata(REQUIRED_ROLE, role);

/**
 * The request body media types an organizer route takes, when it takes more than the default `application/json`
 * (the CSV upload). Enforced by ApiKeyGuard and documented in OpenAPI from this one declaration.
 */
export const AcceptsBody = (...mediaTypes: string[]) =>
  applyDecorators(SetMetadata(ACCEPTED_BODY_TYPES, mediaTypes), ApiConsumes(...mediaTypes));

/** Documents bearer auth (or the console's session cookie) and its 401/403 answers on an organizer controller. */
export const ApiKeyAuth = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiCookieAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, unknown or revoked API key; or no live session', type: ErrorResponseDto }),
    ApiForbiddenResponse({ description: 'The role may not do this; or a cookie write without X-CSRF-Token', type: ErrorResponseDto }),
  );

export const CurrentCaller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Caller => ctx.switchToHttp().getRequest<{ caller: Caller }>().caller,
);
