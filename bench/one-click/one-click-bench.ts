/**
 * PERF-4 bench: the RFC 8058 one-click unsubscribe endpoint and the unsubscribe page on loopback.
 *
 *   npm run bench:one-click -- [--seconds 10] [--connections 50] [--subscribers 300000]
 *
 * Uses a dedicated database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cloture_bench_one_click),
 * dropped, created and migrated with the real migrations each run, and a Redis key prefix of its own. Boots the real
 * api (ApiModule on Fastify, same stack as `npm run start:api`: auth guard, per-IP throttler in Redis, helmet, pino).
 * Mailbox providers send one-click POSTs from many addresses, so every request carries a random X-Forwarded-For
 * (TRUST_PROXY=true) — the per-IP limit stays in the path, it is just not the bottleneck being measured.
 *
 * Scenarios, each for --seconds with --connections concurrent connections (autocannon):
 *   baseline   GET /health                           the cheapest route through the same stack (throttler skipped)
 *   first      POST /unsubscribe/:token, a new subscriber per request: token check, row lock, UPDATE + event INSERT
 *   repeat     POST /unsubscribe/:token again for already-unsubscribed people (idempotent no-op path)
 *   page       GET /unsubscribe/:token               the confirmation page (read only)
 * Then checks every 200 of `first` left exactly one unsubscribed subscriber and one event, and times
 * PreferenceLinksService.forRecipient (the per-recipient cost in the blast send loop).
 * Writes bench/one-click/latest.md.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ApiModule } from '../../src/api.module';
import { loadEnv } from '../../src/core/config/env';
import { createHttpApp } from '../../src/core/http/create-http-app';
import { PreferenceLinksService } from '../../src/preferences/preference-links.service';
import { arg, freePort, freshMigratedDatabase, randomIp } from '../support/bench-process';

const autocannon = require('autocannon');

const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloture_bench_one_click';
const SECONDS = arg('--seconds', 10);
const CONNECTIONS = arg('--connections', 50);
const SUBSCRIBERS = arg('--subscribers', 300_000);

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


async function run(name: string, url: string, method: string, paths: () => string, expectStatus = 200): Promise<Result> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method,
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          path: paths(),
          headers: {
            'x-forwarded-for': randomIp(),
            ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined,
        }),
      },
    ],
  });
  const ok = expectStatus === 200 ? r['2xx'] : r.non2xx;
  const res = {
    name,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    ok,
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
  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  await db.query(
    `INSERT INTO subscribers (email, status, source) SELECT 'bench' || g || '@example.org', 'subscribed', 'bench' FROM generate_series(1, $1) g`,
    [SUBSCRIBERS],
  );
  const ids: string[] = (await db.query(`SELECT id FROM subscribers ORDER BY id`)).rows.map((r) => r.id);

  const port = await freePort();
  const env = loadEnv({
    NODE_ENV: 'production',
    TOKEN_SECRET: 'bench-token-secret-0123456789abcdef0123456789',
    DATABASE_URL: DB_URL,
    DATABASE_POOL_SIZE: '20',
    MIGRATE_ON_START: 'false',
    REDIS_PREFIX: `bench_one_click_${process.pid}`,
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  });
  const app: NestFastifyApplication = await createHttpApp(ApiModule.forRoot(env), env);
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  const links = app.get(PreferenceLinksService);
  const blastId = '00000000-0000-4000-8000-00000000b1a5';
  const unsubscribePaths = ids.map((id) => new URL(links.forRecipient(id, blastId).unsubscribeUrl).pathname);

  const results: Result[] = [];
  results.push(await run('baseline GET /health', url, 'GET', () => '/health'));
  let next = 0;
  const first = await run('one-click POST, first time (writes)', url, 'POST', () => {
    if (next >= unsubscribePaths.length) throw new Error('ran out of subscribers: raise --subscribers');
    return unsubscribePaths[next++];
  });
  results.push(first);
  const used = next;
  let again = 0;
  results.push(await run('one-click POST, repeated (idempotent)', url, 'POST', () => unsubscribePaths[again++ % used]));
  let page = used;
  results.push(await run('GET /unsubscribe/:token page', url, 'GET', () => unsubscribePaths[page++ % unsubscribePaths.length]));

  const [counts] = (
    await db.query(
      `SELECT (SELECT count(*)::int FROM subscribers WHERE status = 'unsubscribed') AS unsubscribed,
              (SELECT count(*)::int FROM unsubscribe_events WHERE blast_id = $1) AS events`,
      [blastId],
    )
  ).rows;

  const N = 100_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) links.forRecipient(ids[i % ids.length], blastId);
  const perCallUs = Number(process.hrtime.bigint() - t0) / 1000 / N;

  await app.close();
  await db.end();

  const lines = [
    `# One-click unsubscribe bench (PERF-4)`,
    ``,
    `Run ${started} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · ` +
      `node ${process.version} · ${SECONDS}s per scenario · ${CONNECTIONS} connections · ${SUBSCRIBERS} subscribers · ` +
      `app, PostgreSQL, Redis and load generator on the same machine · load average ${loadBefore} at start, ` +
      `${loadavg()[0].toFixed(1)} at end (other work on the machine skews every figure)`,
    ``,
    `Command: \`npm run bench:one-click -- --seconds ${SECONDS} --connections ${CONNECTIONS} --subscribers ${SUBSCRIBERS}\``,
    ``,
    `| scenario | req/s | p50 ms | p99 ms | max ms | 2xx | non-2xx | errors |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|`,
    ...results.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.max} | ${r.ok} | ${r.non2xx} | ${r.errors} |`),
    ``,
    // autocannon stops counting at the deadline while up to one request per connection is still in flight; the server
    // finishes those, so the database may hold up to CONNECTIONS more unsubscribes than counted 200s.
    `Check: ${first.ok} first-time 200s counted (+ up to ${CONNECTIONS} in flight at the deadline) → ${counts.unsubscribed} ` +
      `subscribers unsubscribed, ${counts.events} events for the blast ` +
      `(${counts.events === counts.unsubscribed && counts.unsubscribed >= first.ok && counts.unsubscribed <= first.ok + CONNECTIONS ? 'one event per unsubscribe ✔' : 'MISMATCH ✘'}).`,
    ``,
    `PreferenceLinksService.forRecipient (two tokens, two URLs, header values): ${perCallUs.toFixed(2)} µs per recipient ` +
      `(${N} calls).`,
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
