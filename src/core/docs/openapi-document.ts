import '../config/node-version';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiModule } from '../../api.module';
import { loadEnv } from '../config/env';
import { buildOpenApiDocument, houseRuleProblems, OPENAPI_DOCUMENT_PATH, serializeOpenApiDocument } from './openapi';

/**
 * `npm run openapi` (--write) and `npm run openapi:check` (--check): the document the code produces, built without
 * PostgreSQL or Redis. Nest's preview mode scans modules and controllers without instantiating any provider, so no
 * connection is opened; the settings below only have to pass validation.
 */
async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== '--write' && mode !== '--check') throw new Error('usage: openapi-document --write | --check');
  const env = loadEnv({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none',
    REDIS_URL: 'redis://127.0.0.1:1',
    TOKEN_SECRET: 'openapi-document-only-never-signs-anything-0123',
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.create(ApiModule.forRoot(env), new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  const doc = buildOpenApiDocument(app);
  await app.close();

  const problems = houseRuleProblems(doc);
  if (problems.length) {
    process.stderr.write(`The OpenAPI document breaks the house rules (src/core/docs/openapi.ts):\n  ${problems.join('\n  ')}\n`);
    process.exitCode = 1;
    return;
  }
  const file = resolve(__dirname, '../../..', OPENAPI_DOCUMENT_PATH);
  const text = serializeOpenApiDocument(doc);
  if (mode === '--write') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`wrote ${OPENAPI_DOCUMENT_PATH} (${Object.keys(doc.paths).length} paths)\n`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {}
  if (committed !== text) {
    process.stderr.write(`${OPENAPI_DOCUMENT_PATH} differs from what the code produces: run npm run openapi and commit the result\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${OPENAPI_DOCUMENT_PATH} matches the code\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
