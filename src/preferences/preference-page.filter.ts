import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toErrorResponse } from '../core/http/http-exception.filter';
import { renderErrorPage } from './preference-pages';

/** Headers every token page sends, success or error (UNSUB-5): never cached, never indexed, never leaked as Referer. */
export const TOKEN_PAGE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
};

/**
 * Token pages answer errors as HTML pages (a person clicked a link), not the JSON envelope. A bad token of any kind
 * is one and the same 404 page, so nothing tells a tampered token from an unknown one.
 */
@Catch()
export class PreferencePageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('PreferencePages');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    const { body, headers } = toErrorResponse(exception, this.logger);
    for (const [k, v] of Object.entries({ ...headers, ...TOKEN_PAGE_HEADERS })) reply.header(k, v);
    reply.status(body.statusCode).header('content-type', 'text/html; charset=utf-8').send(renderErrorPage(body.statusCode));
  }
}
