import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { renderMessagePage } from './petition-page';

/**
 * The hosted page answers people, not programs: HTTP errors raised before the handler runs (the per-IP limits'
 * 429, a 413 body) come back as an HTML page, keeping their status and Retry-After.
 */
@Catch(HttpException)
export class PetitionPageExceptionFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    const status = exception.getStatus();
    const [heading, message] =
      status === HttpStatus.TOO_MANY_REQUESTS
        ? ['Please try again later', 'We have received too many signatures from your network. Please try again later.']
        : status === HttpStatus.NOT_FOUND
          ? ['Petition not found', 'There is no petition at this address. Check the link you followed.']
          : ['Something was wrong with the request', 'Please go back and try again.'];
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderMessagePage(heading, message));
  }
}
