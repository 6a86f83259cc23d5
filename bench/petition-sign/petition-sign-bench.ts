/**
 * PERF-4 bench: public petition signing and the hosted page on loopback.
 *
 *   npm run bench:petition-sign -- [--seconds 10] [--connections 50]
 *
 * Uses a dedicated database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cloture_bench_petition_sign),
 * dropped, created and migrated with the real migrations each run (the roster snapshot loads on first start), and a
 * Redis key prefix of its own (deleted at the end). Boots the real api (ApiModule on Fastify: auth guard, per-IP
 * throttler and the daily signing budget in Redis, helmet, pino). Every request carries a random X-Forwarded-For
 * (TRUST_PROXY=true): the per-IP limits stay in the path, they are just not what is measured.
 *
 * The petition targets the Majority Leader and the signer's own senators, so each signature resolves the roster and
 * writes 1 signature + 3 target rows, upserts/links the subscriber, and queues a thank-you email (Redis).
 * Scenarios, each for --seconds with --connections concurrent connections (autocannon):
 *   baseline   GET /health
 *   sign       POST /api/v1/public/petitions/:slug/signatures, a new signer per request, no opt-in
 *   opt-in     the same with optIn: true (creates a subscriber too)
 *   repeat     signers of `sign` again (one-per-person path: ON CONFLICT DO NOTHING, no new mail)
 *   page       GET /p/:slug (server-rendered HTML)
 *   json       GET /api/v1/public/petitions/:slug
 * Then checks the database: one signature per distinct signer, 3 target rows each.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { ApiModule } from '../../src/api.module';
import { loadEnv } from '../../src/core/config/env';
import { createHttpApp } from '../../src/core/http/create-http-app';
import { arg, freePort, freshMigratedDatabase, randomIp } from '../support/bench-process';

const autocannon = require('autocannon');

const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloture_bench_petition_sign';
const SECONDS = arg('--seconds', 10);
const CONNECTIONS = arg('--connections', 50);

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
}


async function run(name: string, url: string, method: 'GET' | 'POST', next: () => { path: string; body?: string }): Promise<Result> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method,
        setupRequest: (req: Record<string, unknown>) => {
          const { path, body } = next();
          return {
            ...req,
            path,
            headers: { 'x-forwarded-for': randomIp(), ...(body ? { 'content-type': 'application/json' } : {}) },
            body,
          };
        },
      },
    ],
  });
  const res = {
    name,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  console.log(JSON.stringify(res));
  return res;
}

export async function main(): Promise<void> {
  const started = new Date().toISOString();
  const loadBefore = loadavg()[0].toFixed(1);
  await freshMigratedDatabase(DB_URL);
  const port = await freePort();
  const prefix = `bench_petition_sign_${process.pid}`;
  const env = loadEnv({
    NODE_ENV: 'production',
    TOKEN_SECRET: 'bench-token-secret-0123456789abcdef0123456789',
    DATABASE_URL: DB_URL,
    DATABASE_POOL_SIZE: '20',
    MIGRATE_ON_START: 'false',
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
    PETITION_SIGNATURES_PER_IP_PER_DAY: '1000000',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  });
  const app: NestFastifyApplication = await createHttpApp(ApiModule.forRoot(env), env);
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  const { key } = await app.get(ApiKeysService).create('bench', 'organizer');
  const slug = 'bench-petition';
  const created = await fetch(`${url}/api/v1/petitions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      slug,
      title: 'Tell Senate leadership: hold the vote',
      body: 'The Senate has sat on this bill for **two years**.',
      targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
      goal: 100000,
    }),
  });
  if (created.status !== 201) throw new Error(`petition not created: ${created.status} ${await created.text()}`);
  const signPath = `/api/v1/public/petitions/${slug}/signatures`;
  const signer = (i: number, optIn: boolean) =>
    JSON.stringify({ email: `signer${i}@example.org`, firstName: 'Ada', lastName: `Signer ${i}`, zip: '80202', optIn });

  const results: Result[] = [];
  results.push(await run('baseline GET /health', url, 'GET', () => ({ path: '/health' })));
  let n = 0;
  const sign = await run('sign, new signer each (no opt-in)', url, 'POST', () => ({ path: signPath, body: signer(n++, false) }));
  results.push(sign);
  const firstBatch = n;
  const optIn = await run('sign, new signer each, opt-in (subscriber created)', url, 'POST', () => ({ path: signPath, body: signer(n++, true) }));
  results.push(optIn);
  const attempted = n;
  let again = 0;
  results.push(await run('sign again (duplicate, counts once)', url, 'POST', () => ({ path: signPath, body: signer(again++ % firstBatch, false) })));
  results.push(await run('GET /p/:slug hosted page', url, 'GET', () => ({ path: `/p/${slug}` })));
  results.push(await run('GET public JSON', url, 'GET', () => ({ path: `/api/v1/public/petitions/${slug}` })));

  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  const [counts] = (
    await db.query(`
      SELECT (SELECT count(*)::int FROM petition_signatures) AS signatures,
             (SELECT count(DISTINCT lower(email))::int FROM petition_signatures) AS distinct_signers,
             (SELECT count(*)::int FROM petition_signature_targets) AS targets,
             (SELECT count(*)::int FROM subscribers) AS subscribers`)
  ).rows;
  await db.end();
  await app.close();
  const redis = new Redis(env.REDIS_URL);
  let cursor = '0';
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = c;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();

  const okRows = counts.signatures === counts.distinct_signers && counts.targets === counts.signatures * 3;
  const lines = [
    `# Petition signing bench (PERF-4)`,
    ``,
    `Run ${started} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · ` +
      `node ${process.version} · ${SECONDS}s per scenario · ${CONNECTIONS} connections · app (api role), PostgreSQL, ` +
      `Redis and load generator on the same machine · load average ${loadBefore} at start, ${loadavg()[0].toFixed(1)} at end ` +
      `(other work on the machine skews every figure)`,
    ``,
    `Command: \`npm run bench:petition-sign -- --seconds ${SECONDS} --connections ${CONNECTIONS}\``,
    ``,
    `| scenario | req/s | p50 ms | p99 ms | max ms | 2xx | non-2xx | errors |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|`,
    ...results.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.max} | ${r.ok} | ${r.non2xx} | ${r.errors} |`),
    ``,
    `Check: ${attempted} distinct signers attempted (the last up to ${CONNECTIONS} per scenario may be cut off at the deadline) → ` +
      `${counts.signatures} signatures, ${counts.distinct_signers} distinct signers, ${counts.targets} target rows, ` +
      `${counts.subscribers} subscribers (${okRows ? 'one signature per signer, 3 targets each ✔' : 'MISMATCH ✘'}).`,
    ``,
  ];
  writeFileSync(join(__dirname, 'latest.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
