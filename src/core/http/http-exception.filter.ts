import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeDatabaseError, isTransientInfrastructureError, pgErrorCode } from '../database/database-errors';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode and a FST_ code. */
function fastifyError(e: unknown): { statusCode: number; message: string } | undefined {
  const err = e as { statusCode?: number; code?: string; message?: string } | null;
  if (!err || typeof err.statusCode !== 'number' || err.statusCode < 400 || err.statusCode >= 500) return undefined;
  if (!err.code?.startsWith('FST_') && !err.code?.startsWith('ERR_')) return undefined;
  const messages: Record<string, string> = {
    FST_ERR_CTP_INVALID_JSON_BODY: 'Body is not valid JSON',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'Body cannot be empty when content-type is application/json',
    FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  };
  const message = messages[err.code] ?? (err.message || STATUS_CODES[err.statusCode] || 'Bad request').replace(/\s+/g, ' ');
  return { statusCode: err.statusCode, message };
}

export function errorBody(statusCode: number, message: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (details !== undefined) body.details = details;
  return body;
}

/** Turns any exception into the JSON error envelope; unexpected ones are logged and answered as a generic 500. */
export function toErrorResponse(exception: unknown, logger: Logger): { body: ErrorBody; headers: Record<string, string> } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    const obj = typeof res === 'string' ? { message: res } : (res as Record<string, unknown>);
    let message = obj.message;
    if (Array.isArray(message)) message = message.join('; ');
    if (typeof message !== 'string' || !message) message = STATUS_CODES[status] ?? 'Error';
    const headers: Record<string, string> = {};
    if (status === HttpStatus.SERVICE_UNAVAILABLE) headers['Retry-After'] = '5';
    // A 429 that knows how long to wait says so (sign-in throttling); the ThrottlerGuard sets its own header.
    if (status === HttpStatus.TOO_MANY_REQUESTS && typeof obj.retryAfter === 'number') headers['Retry-After'] = String(obj.retryAfter);
    return { body: errorBody(status, message as string, obj.details), headers };
  }
  const fst = fastifyError(exception);
  if (fst) return { body: errorBody(fst.statusCode, fst.message), headers: {} };
  if (isTransientInfrastructureError(exception)) {
    logger.warn(`service unavailable: ${describeDatabaseError(exception)}`);
    return { body: errorBody(503, 'Service temporarily unavailable, retry shortly'), headers: { 'Retry-After': '5' } };
  }
  // A failed statement is logged by its code and a scrubbed message, never with its SQL, parameters or DETAIL.
  if (pgErrorCode(exception)) logger.error(`unhandled ${describeDatabaseError(exception)}`);
  else logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
  return { body: errorBody(500, 'Internal server error'), headers: {} };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { body, headers } = toErrorResponse(exception, this.logger);
    if (reply.sent) return;
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    // Hosted pages (petition, preferences) render their own HTML errors; everything else answers JSON.
    reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
    void request;
  }
}
