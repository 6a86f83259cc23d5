import { applyDecorators, Controller, Get, Header, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiHtmlResponse } from '../core/docs/api-responses';
import { Throttle } from '@nestjs/throttler';
import { Public } from '../core/http/auth.decorators';
import { PreferencePageExceptionFilter, TOKEN_PAGE_HEADERS } from '../preferences/preference-page.filter';
import { InvalidLinkException } from '../preferences/preferences.service';
import { DoubleOptInService } from './double-opt-in.service';

const PAGE_BUDGET = { default: { limit: 600, ttl: 60_000 } };

/**
 * Everything under /confirm that is not one path segment — no token, more path after it (a mail client that wrapped
 * or appended to the link), a token too long for the router's parameter limit (it falls through to the wildcard) —
 * can only be a damaged link. `''` is `/confirm`, `'*'` is `/confirm/*`, and `'//'` is the static route `/confirm/`
 * (Nest strips one trailing slash): without it the router matches `/confirm/` to `:token` with an empty token, which
 * Nest's Fastify adapter hands to the global JSON 404 instead of this controller.
 */
const LOOSE_PATHS = ['', '//', '*'];

/** HTML token page: content type plus the no-store / no-referrer / noindex headers (errors get them from the filter). */
const TokenPage = () =>
  applyDecorators(
    Header('Content-Type', 'text/html; charset=utf-8'),
    ...Object.entries(TOKEN_PAGE_HEADERS).map(([name, value]) => Header(name, value)),
  );

/** The link in the opt-in confirmation email (COMP-4). Same token-page rules as unsubscribe (UNSUB-3, UNSUB-5). */
@ApiTags('double opt-in')
@Public()
@UseFilters(PreferencePageExceptionFilter)
@ApiHtmlResponse(404, 'Tampered or unknown token, or a subscriber who can no longer confirm — one HTML page')
@ApiHtmlResponse(429, 'Per-IP rate limit')
@Controller('confirm')
export class DoubleOptInController {
  constructor(private readonly doubleOptIn: DoubleOptInService) {}

  @Get(':token')
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiOperation({ operationId: 'showConfirmPage', summary: 'Confirmation page with one button; GET and HEAD never change anything (mail scanners)' })
  @ApiHtmlResponse(200, 'HTML page')
  page(@Param('token') token: string): Promise<string> {
    return this.doubleOptIn.confirmPage(token);
  }

  @Post(':token')
  @HttpCode(200)
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiOperation({ operationId: 'confirmSignup', summary: 'Confirm the subscription: unconfirmed → subscribed, consent recorded (idempotent)' })
  @ApiHtmlResponse(200, 'HTML page')
  confirm(@Param('token') token: string): Promise<string> {
    return this.doubleOptIn.confirm(token);
  }

  /** A link with its token missing, cut by a slash or followed by more path: the same 404 page as any bad token. */
  @Get(LOOSE_PATHS)
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiExcludeEndpoint()
  malformedLink(): never {
    throw new InvalidLinkException();
  }

  @Post(LOOSE_PATHS)
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiExcludeEndpoint()
  malformedLinkPost(): never {
    throw new InvalidLinkException();
  }
}
