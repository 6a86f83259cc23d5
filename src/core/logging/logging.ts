import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { Env } from '../config/env';

/**
 * Request URLs may carry tokens (unsubscribe, preferences, confirmations) and query strings may carry addresses:
 * the log keeps the path with any token-like segment replaced, and drops the query.
 */
export function redactUrl(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  return path
    .split('/')
    .map((seg) => (seg.length >= 20 && /^[A-Za-z0-9_.~%-]+$/.test(seg) ? ':token' : seg.includes('@') || seg.includes('%40') ? ':redacted' : seg))
    .join('/');
}

export function loggingModule(env: Env) {
  return LoggerModule.forRoot({
    pinoHttp: [
      {
        level: env.LOG_LEVEL,
        // Structured JSON lines; ids and counts only — never bodies, tokens, keys or addresses (OPS-2).
        redact: { paths: ['req.headers', 'res.headers'], remove: true },
        serializers: {
          req: (req: IncomingMessage & { id?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
          res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
        genReqId: (req) => (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? crypto.randomUUID(),
        autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/health/ready' },
      },
      // Synchronous stdout: the last lines before a signal-driven exit (shutdown, crash) are never lost in a buffer.
      pino.destination({ dest: 1, sync: true }),
    ],
  });
}
