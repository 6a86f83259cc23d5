import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Logger } from 'nestjs-pino';
import { Env } from '../config/env';
import { setupDocs } from '../docs/openapi';
import { registerQueueDashboard } from '../queue/queue-dashboard';
import { registerConsole } from './console-app';
import { requestShapeProblem } from './request-shape';
import { errorBody } from './http-exception.filter';

/** The one route that takes a raw text/csv body as a stream (subscriber import, SUB-4). */
const CSV_UPLOAD_ROUTE = '/api/v1/imports';

/** Token pages (preferences, unsubscribe, opt-in confirmation): their links are signed, opaque path segments. */
const TOKEN_PAGE = /^\/(preferences|unsubscribe|confirm)\/([^?#]*)/;

/** `/<page>/<token>` with a token that does not percent-decode → `/<page>/damaged-link`; anything else unchanged. */
export function rewriteDamagedLink(url: string): string {
  const m = TOKEN_PAGE.exec(url);
  if (!m) return url;
  try {
    decodeURIComponent(m[2]);
    return url;
  } catch {
    return `/${m[1]}/damaged-link`;
  }
}

/** Builds the HTTP application (api role, or both roles) exactly as main.ts and the e2e tests run it. */
export async function createHttpApp(module: DynamicModule, env: Env): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A link whose token has broken percent-encoding is a damaged link like any other: routed to a token that can
    // never verify, it gets the token pages' one 404 (UNSUB-5) instead of the router's 400.
    rewriteUrl: (req: { url?: string }) => rewriteDamagedLink(req.url ?? '/'),
    // The router's own errors (malformed percent-encoding elsewhere): the envelope, never the path echoed back (it
    // may carry a token).
    frameworkErrors: (error: { statusCode?: number }, _req: unknown, reply: FastifyReply) => {
      const status = error.statusCode === 414 ? 414 : 400;
      const message = status === 414 ? 'The address is too long' : 'The address is not a valid URL (malformed percent-encoding)';
      void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(errorBody(status, message));
    },
  });
  // rawBody: signed webhooks (bounces) verify an HMAC over the exact bytes received (req.rawBody).
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false, rawBody: true });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;

  await app.register(helmet as never, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  // The console's session cookie (cloture_session): parsed into req.cookies, set with reply.setCookie.
  await app.register(cookie as never, {});
  // JSON and urlencoded bodies: Nest's Fastify adapter registers both parsers, bounded by bodyLimit.
  await app.register(multipart as never, {
    limits: { fileSize: env.IMPORT_MAX_BYTES, files: 1, fields: 100, fieldSize: 64 * 1024, parts: 200 },
  });
  // CSV bodies are handed to the route as a stream (imports are far larger than any JSON body).
  // Only the import endpoint reads that stream: anywhere else a stream reaching the validation pipe is walked
  // recursively through socket and server objects until the stack overflows and the process aborts (REL-2 fuzz).
  fastify.addContentTypeParser(['text/csv', 'application/csv'], (req, payload, done) => {
    if (req.method === 'POST' && req.routeOptions.url === CSV_UPLOAD_ROUTE) return done(null, payload);
    done(Object.assign(new Error('Unsupported content type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), undefined);
  });
  // Raw MIME reports (DSN/ARF bounce intake) arrive as bytes: their signature covers the bytes, the parser wants them.
  fastify.addContentTypeParser(['message/rfc822', 'multipart/report'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Refused before any handler or pipe sees them (found by the REL-2 fuzz): bodies nested so deep that the recursive
  // validation pipe overflows the stack and aborts the process, and NUL or lone surrogates anywhere in the body or
  // query, which PostgreSQL or validators would turn into a 500.
  fastify.addHook('preValidation', async (req, reply) => {
    // Path parameters are left to their routes: a tampered token must get the token pages' own 404 (UNSUB-5).
    const problem = requestShapeProblem(req.body) ?? requestShapeProblem(req.query);
    if (problem) {
      const message = problem.path ? `${problem.path}: ${problem.message}` : problem.message;
      return reply.code(400).send(errorBody(400, message, problem.path ? [problem] : undefined));
    }
  });

  // Errors Fastify raises before a handler runs (bad JSON, body too large, wrong content type) reach Nest's
  // exception layer too, so HttpExceptionFilter answers them in the same envelope.

  setupDocs(app);
  await registerQueueDashboard(app);
  await registerConsole(app);
  app.enableShutdownHooks();
  return app;
}
