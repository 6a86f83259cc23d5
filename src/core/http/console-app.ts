import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorBody } from './http-exception.filter';

export const CONSOLE_PATH = '/console';

/**
 * Where `npm run build` puts the organizer console (`vite build`, web/vite.config.ts): `dist/console` of the
 * repository, the same from the compiled code (dist/core/http) and from the sources the tests run (src/core/http).
 */
export const CONSOLE_DIR = resolve(__dirname, '..', '..', '..', 'dist', 'console');

/**
 * The organizer console (a single-page app) at /console: hashed assets cached for a year, and the page itself —
 * answered for every /console path so deep links (/console/blasts/<id>) work — revalidated on every load, so a
 * deploy reaches open tabs at their next navigation. The page is public: all data comes from the API, behind its
 * session or key. When the console was not built, /console says so instead of a bare 404.
 */
export async function registerConsole(app: NestFastifyApplication, dir = CONSOLE_DIR): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const indexFile = join(dir, 'index.html');
  const html = existsSync(indexFile) ? readFileSync(indexFile) : null;
  if (html) {
    await fastify.register(fastifyStatic as never, {
      root: join(dir, 'assets'),
      prefix: `${CONSOLE_PATH}/assets/`,
      decorateReply: false,
      index: false,
      cacheControl: true,
      maxAge: 365 * 24 * 3600 * 1000,
      immutable: true,
    });
  }
  const page = async (_req: unknown, reply: FastifyReply) => {
    if (!html) return reply.code(503).send(errorBody(503, 'The console is not built: run `npm run build`'));
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  fastify.get(CONSOLE_PATH, page);
  fastify.get(`${CONSOLE_PATH}/*`, page);
}
