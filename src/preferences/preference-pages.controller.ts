import { applyDecorators, Body, Controller, Get, Header, HttpCode, Param, Post, Req, UnsupportedMediaTypeException, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiHtmlResponse } from '../core/docs/api-responses';
import { Throttle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../core/http/auth.decorators';
import { isPrototypeKey } from '../core/http/request-shape';
import { PreferenceFormDto } from './dto/preference-form.dto';
import { PreferencePageExceptionFilter, TOKEN_PAGE_HEADERS } from './preference-page.filter';
import { InvalidLinkException, PreferencesService } from './preferences.service';

/** Mail providers send RFC 8058 one-click POSTs from a few addresses: budgets far above a person's clicking. */
const PAGE_BUDGET = { default: { limit: 1200, ttl: 60_000 } };
const ONE_CLICK_BUDGET = { default: { limit: 6000, ttl: 60_000 } };

/** Paths next to the token routes that can only be a damaged link. */
/** '<x>//' is the static route '<x>/' (Nest strips one trailing slash): without it an empty token reaches the global JSON 404. */
const LOOSE_PATHS = ['preferences', 'preferences//', 'preferences/*', 'unsubscribe', 'unsubscribe//', 'unsubscribe/*'];

/** The unsubscribe confirmation page's own button marks itself, so stats can tell it from a mailbox's one-click. */
export const PAGE_BUTTON_FIELD = 'from';

/**
 * Drain a multipart one-click body (RFC 8058 allows multipart/form-data): its content is irrelevant — the POST to
 * the token URL is the request — but the stream must be consumed. Returns the fields read, best effort.
 */
async function readFields(req: FastifyRequest): Promise<Record<string, unknown>> {
  if (!req.isMultipart()) return (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  // Null prototype, and prototype keys skipped: the field names come from whoever posts.
  const fields: Record<string, unknown> = Object.create(null);
  try {
    for await (const part of req.parts({ limits: { fields: 20, fieldSize: 1024, files: 1, fileSize: 16 * 1024 } })) {
      if (part.type === 'file') part.file.resume();
      else if (!isPrototypeKey(part.fieldname)) fields[part.fieldname] = part.value;
    }
  } catch {
    // A malformed or oversized body does not make the unsubscribe any less wanted.
  }
  return fields;
}

/** An HTML token page: its content type and the UNSUB-5 headers (errors get the same from the filter). */
const TokenPage = () =>
  applyDecorators(
    Header('Content-Type', 'text/html; charset=utf-8'),
    ...Object.entries(TOKEN_PAGE_HEADERS).map(([name, value]) => Header(name, value)),
  );

@ApiTags('preference pages')
@Public()
@UseFilters(PreferencePageExceptionFilter)
@ApiHtmlResponse(404, 'Tampered, truncated or unknown token — one HTML page whatever the cause')
@ApiHtmlResponse(429, 'Per-IP rate limit (HTML page with Retry-After)')
@Controller()
export class PreferencePagesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Get('preferences/:token')
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiOperation({ operationId: 'showPreferencesPage', summary: 'Preference center (UNSUB-2): masked address, frequency, topics, unsubscribe/resubscribe' })
  @ApiHtmlResponse(200, 'HTML page')
  preferencesPage(@Param('token') token: string): Promise<string> {
    return this.preferences.preferencesPage(token);
  }

  @Post('preferences/:token')
  @HttpCode(200)
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ operationId: 'applyPreferences', summary: 'Apply the preference form and show what changed (UNSUB-2)' })
  @ApiHtmlResponse(200, 'HTML page listing the changes')
  applyPreferences(@Param('token') token: string, @Body() form: PreferenceFormDto, @Req() req: FastifyRequest): Promise<string> {
    // A multipart body would reach the DTO empty and save nothing while looking like success.
    if (req.isMultipart()) throw new UnsupportedMediaTypeException('Send the preference form as application/x-www-form-urlencoded');
    return this.preferences.applyPreferences(token, form);
  }

  @Get('unsubscribe/:token')
  @TokenPage()
  @Throttle(PAGE_BUDGET)
  @ApiOperation({ operationId: 'showUnsubscribePage', summary: 'Unsubscribe confirmation page (UNSUB-3); GET and HEAD never change anything' })
  @ApiHtmlResponse(200, 'HTML page with one button, offering fewer emails instead')
  unsubscribePage(@Param('token') token: string): Promise<string> {
    return this.preferences.unsubscribeConfirmPage(token);
  }

  @Post('unsubscribe/:token')
  @HttpCode(200)
  @TokenPage()
  @Throttle(ONE_CLICK_BUDGET)
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiBody({
    required: false,
    description: 'RFC 8058 body; any content is accepted — the POST to the token URL is the request',
    schema: { type: 'object', properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } } },
  })
  @ApiOperation({
    operationId: 'unsubscribeByToken',
    summary: 'Unsubscribe (UNSUB-3) and RFC 8058 one-click (UNSUB-4): body List-Unsubscribe=One-Click, no cookie, 200, idempotent',
  })
  @ApiHtmlResponse(200, 'HTML confirmation with an undo button')
  async unsubscribe(@Param('token') token: string, @Req() req: FastifyRequest): Promise<string> {
    const fields = await readFields(req);
    return this.preferences.unsubscribe(token, fields[PAGE_BUTTON_FIELD] === 'page' ? 'unsubscribe-page' : 'one-click');
  }

  /** A link with its token missing or followed by more path gets the same 404 page as any other bad link. */
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
