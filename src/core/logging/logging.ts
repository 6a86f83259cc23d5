import { Logger, LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { format } from 'node:util';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { Env } from '../config/env';

/**
 * Where every log line of this process goes: stdout for the api and the worker; the CLI sends its logs to stderr,
 * so stdout carries only a command's result (a key to copy, a report).
 */
let logFd: 1 | 2 = 1;
const destinations = new Map<number, pino.DestinationStream>();

// Synchronous: the last lines before a signal-driven exit (shutdown, crash) are never lost in a buffer.
function destination(): pino.DestinationStream {
  let d = destinations.get(logFd);
  if (!d) destinations.set(logFd, (d = pino.destination({ dest: logFd, sync: true })));
  return d;
}

/** The CLI's choice: logs on stderr. Call before building any module. */
export function logToStderr(): void {
  logFd = 2;
}

/**
 * Nest's logger interface over a plain pino logger, in the same line shape as the app's (nestjs-pino): `{level,
 * time, pid, hostname, context, msg}`. Used before the app exists (configuration, database creation, migrations),
 * for library output that would otherwise print text, and by the CLI.
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly pinoLogger: pino.Logger) {}

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, given: unknown[]) {
    // Nest's Logger passes `undefined` for an absent stack.
    const params = given.filter((p) => p !== undefined);
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const err = message instanceof Error ? message : undefined;
    // Nest passes an error's stack as the second argument of error(); keep it as `stack`, not in the message.
    const stack = level === 'error' && typeof params[0] === 'string' && params[0].includes('\n    at ') ? (params.shift() as string) : err?.stack;
    const msg = err ? err.message : typeof message === 'string' ? message : format(message);
    this.pinoLogger[level]({ ...(context ? { context } : {}), ...(stack ? { stack } : {}) }, params.length ? `${msg} ${format(...params)}` : msg);
  }

  log(message: unknown, ...params: unknown[]) { this.write('info', message, params); }
  error(message: unknown, ...params: unknown[]) { this.write('error', message, params); }
  warn(message: unknown, ...params: unknown[]) { this.write('warn', message, params); }
  debug(message: unknown, ...params: unknown[]) { this.write('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]) { this.write('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]) { this.write('fatal', message, params); }
}

let processLogger: pino.Logger | undefined;

/**
 * Makes every line this process writes a JSON line (OPS-2), from the first: Nest's static Logger (used before the app
 * exists), `console.*` calls of libraries (Handlebars' warnings, ioredis' unhandled errors), and uncaught errors,
 * which are logged and then end the process as Node would. The app's own logger replaces Nest's once it is built.
 * For the entrypoints only (main, worker, CLI) — never inside tests, whose runner owns the console.
 */
export function installProcessLogging(level = 'info'): void {
  processLogger = pino({ level }, destination());
  const json = new JsonLogger(processLogger);
  Logger.overrideLogger(json);
  const bridge = (lvl: 'info' | 'warn' | 'error' | 'debug') => (...args: unknown[]) => processLogger![lvl]({ context: 'console' }, format(...args));
  console.log = bridge('info');
  console.info = bridge('info');
  console.warn = bridge('warn');
  console.error = bridge('error');
  console.debug = bridge('debug');
  process.on('uncaughtException', (e) => {
    processLogger!.fatal({ context: 'Process', stack: (e as Error)?.stack }, `uncaught exception: ${(e as Error)?.message ?? String(e)}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    processLogger!.fatal({ context: 'Process', stack: (e as Error)?.stack }, `unhandled rejection: ${(e as Error)?.message ?? String(e)}`);
    process.exit(1);
  });
}

/** Once the configuration is read: its LOG_LEVEL applies to the process-wide logger too. */
export function setProcessLogLevel(level: string): void {
  if (processLogger) processLogger.level = level;
}

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
      destination(),
    ],
  });
}
