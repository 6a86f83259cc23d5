import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bull';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import type { FastifyInstance } from 'fastify';
import { ApiKeysService, roleAtLeast } from '../../api-keys/api-keys.service';
import { presentedKey } from '../http/auth.guard';
import { isCrossSiteWrite } from '../http/cross-site';
import { errorBody } from '../http/http-exception.filter';
import { QUEUES } from './queues';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues, for admin keys only. A browser gets a Basic prompt: any user name, the API key as
 * password (keys never go into URLs, where logs and histories would keep them).
 */
export async function registerQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const apiKeys = app.get(ApiKeysService);
  const queues = Object.values(QUEUES).map((name) => new BullAdapter(app.get<Queue>(getQueueToken(name)), { readOnlyMode: false }));
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues, serverAdapter, options: { uiConfig: { boardTitle: 'Cloture queues' } } });

  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      const key = presentedKey(req.headers.authorization);
      const caller = key ? await apiKeys.authenticate(key) : null;
      if (!caller) {
        reply.header('WWW-Authenticate', 'Basic realm="Cloture queues", charset="UTF-8"');
        return reply.code(401).send(errorBody(401, 'An admin API key is required (Basic auth: any user, the key as password)'));
      }
      if (!roleAtLeast(caller.role, 'admin')) return reply.code(403).send(errorBody(403, 'The queue dashboard needs the admin role'));
      // Browsers keep Basic credentials: a form on another site must not add, retry or clean jobs with them.
      if (isCrossSiteWrite(req.method, req.headers)) return reply.code(403).send(errorBody(403, 'Cross-site requests cannot change the queues'));
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
  });
}
