import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiModule } from '../../src/api.module';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { AppModule } from '../../src/app.module';
import { Env, loadEnv } from '../../src/core/config/env';
import { createHttpApp } from '../../src/core/http/create-http-app';
import { installContractCheck } from './contract-check';
import { freePort } from './process';
import { createTestDatabase, dropTestDatabase, runId, serverUrl } from './test-database';

let counter = 0;

export interface BootOptions {
  /** Run the queue processors in the same process (default true, like `npm start`). */
  worker?: boolean;
  /** Extra environment variables (e.g. SMTP_URL from an SmtpSink). */
  env?: Record<string, string | undefined>;
  /** Reuse an existing test database instead of a fresh copy (e.g. a second app against the same data). */
  database?: string;
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** The booted app as a client sees it: a real HTTP server on an ephemeral port. */
export class TestApp {
  adminKey = '';
  constructor(
    readonly app: NestFastifyApplication,
    readonly env: Env,
    readonly url: string,
    readonly database: string,
    private readonly ownsDatabase: boolean,
  ) {}

  get db(): DataSource {
    return this.app.get(DataSource);
  }

  get<T>(token: abstract new (...args: never[]) => T): T {
    return this.app.get(token as never) as T;
  }

  /** One SQL statement on the app's database. */
  query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query(sql, params);
  }

  async createKey(role: 'admin' | 'organizer' | 'viewer'): Promise<string> {
    return (await this.get(ApiKeysService).create(`${role} (test)`, role)).key;
  }

  /**
   * An HTTP request. `body` objects go as JSON unless `raw` is given; `key` false sends no Authorization header,
   * otherwise the admin key (or the key given).
   */
  async request<T = any>(
    method: string,
    path: string,
    opts: { body?: unknown; raw?: string | Buffer | FormData | URLSearchParams; key?: string | false; headers?: Record<string, string> } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? this.adminKey : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let payload: RequestInit['body'];
    if (opts.raw !== undefined) payload = opts.raw as RequestInit['body'];
    else if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body: payload, redirect: 'manual' });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body: body as T, text };
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.ownsDatabase) await dropTestDatabase(this.database);
  }
}

/** The environment of a test app: its own database and Redis key prefix, quiet logs, a fixed token secret. */
export function testEnv(database: string, port: number, extra: Record<string, string | undefined> = {}): Env {
  return loadEnv({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: serverUrl(database),
    DATABASE_POOL_SIZE: '8',
    MIGRATE_ON_START: 'false',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `clt_${runId()}_${database.slice(-16)}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TOKEN_SECRET: 'test-token-secret-0123456789abcdef0123456789',
    MAIL_OUTBOX_DIR: `/tmp/cloture-test-outbox/${database}`,
    MAIL_RETRY_DELAY_MS: '200',
    SHUTDOWN_TIMEOUT_MS: '10000',
    // No test reaches the internet: the roster refresh is off unless a test points it at a local server.
    LEGISLATORS_SOURCE_URL: '',
    LEGISLATORS_REFRESH_CRON: '',
    ...extra,
  });
}

/** Boots the real app (api + worker by default) on a fresh copy of the migrated test database. */
export async function bootApp(options: BootOptions = {}): Promise<TestApp> {
  // Random part: Jest reloads this module for every test file, so worker id, pid and counter repeat across files,
  // and a repeated label would share Redis keys (rate-limit blocks, queued jobs) with an earlier file's app.
  const label = `${process.env.JEST_WORKER_ID ?? '0'}_${++counter}_${randomBytes(4).toString('hex')}`;
  const database = options.database ?? (await createTestDatabase(label));
  // The app's own URL is part of its configuration (links in mail), so the port is chosen first; another process
  // can take it in between (seen on a busy machine): then the app is built again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const env = testEnv(database, port, options.env);
    const module = options.worker === false ? ApiModule.forRoot(env) : AppModule.forRoot(env);
    const app = await createHttpApp(module, env);
    // Every response this app sends is checked against the committed OpenAPI document (issue 13).
    installContractCheck(app.getHttpAdapter().getInstance());
    try {
      await app.listen({ port, host: '127.0.0.1' });
    } catch (e) {
      await app.close();
      if ((e as { code?: string }).code === 'EADDRINUSE' && attempt < 5) continue;
      throw e;
    }
    const t = new TestApp(app, env, `http://127.0.0.1:${port}`, database, !options.database);
    t.adminKey = await t.createKey('admin');
    return t;
  }
}