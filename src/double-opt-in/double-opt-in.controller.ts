import { applyDecorators, Controller, Get, Header, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Public } from '../core/http/auth.decorators';
import { PreferencePageExceptionFilter, TOKEN_PAGE_HEADERS } from '../preferences/preference-page.filter';
import { DoubleOptInService } from './double-opt-in.service';

const PAGE_BUDGET = { default: { limit: 600, ttl: 60_000 } };

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
@ApiProduces('text/html')
@ApiNotFoundResponse({ description: 'Tampered or unknown token, or a subscriber who can no longer confirm — one HTML page' })
@ApiTooManyRequestsResponse({ description: 'Per-IP rate limit' })
@Controller('confirm')
export class DoubleOptInController {
  constructor(private readonly doubleOptIn: DoubleOptInService) {}

  @Get(':token')
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiOperation({ summary: 'Confirmation page with one button; GET and HEAD never change anything (mail scanners)' })
  @ApiOkResponse({ description: 'HTML page' })
  page(@Param('token') token: string): Promise<string> {
    return this.doubleOptIn.confirmPage(token);
  }

  @Post(':token')
  @HttpCode(200)
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiOperation({ summary: 'Confirm the subscription: unconfirmed → subscribed, consent recorded (idempotent)' })
  @ApiOkResponse({ description: 'HTML page' })
  confirm(@Param('token') token: string): Promise<string> {
    return this.doubleOptIn.confirm(token);
  }
}
