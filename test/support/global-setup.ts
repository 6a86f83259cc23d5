import { randomBytes } from 'node:crypto';
import { loadEnv } from '../../src/core/config/env';
import { runMigrations } from '../../src/core/database/prepare-database';
import { adminQuery, serverUrl, templateName } from './test-database';

/**
 * Once per `npm test`: a run id (isolates databases and Redis keys from other runs on the same machine), and a
 * template database migrated with the real migrations, which every test app copies.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CLOTURE_TEST_RUN ??= `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const tpl = templateName();
  await adminQuery(`DROP DATABASE IF EXISTS "${tpl}" WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE "${tpl}"`);
  await runMigrations(loadEnv({ DATABASE_URL: serverUrl(tpl), NODE_ENV: 'test' }));
}
