import Redis from 'ioredis';
import { contractSummary } from './contract-summary';
import { adminQuery, runId } from './test-database';

/** Drop this run's databases (apps first, then the template) and its Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const id = runId();
  if (!id) return;
  const summary = contractSummary();
  if (summary) process.stdout.write(`\n${summary}\n`);
  const dbs = await adminQuery<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`cloture_test_${id}_%`],
  );
  const isTemplate = (name: string) => name.endsWith('_tpl');
  const ordered = [...dbs.filter((d) => !isTemplate(d.datname)), ...dbs.filter((d) => isTemplate(d.datname))];
  for (const { datname } of ordered) {
    await adminQuery(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `clt_${id}_*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
