import { Client } from 'pg';
import { adminQuery, runId, serverUrl } from './support/test-database';
import { freePort, startNode, waitUntil } from './support/process';

/** The real entrypoints as a user runs them (built by `npm test`'s pretest step). */
describe('Startup (OPS-3, OPS-4)', () => {
  const dbName = `cloture_test_${runId()}_startup`;
  const baseEnv = () => ({
    DATABASE_URL: serverUrl(dbName),
    REDIS_PREFIX: `clt_${runId()}_startup`,
    LOG_LEVEL: 'info',
    MAIL_OUTBOX_DIR: `/tmp/cloture-test-outbox/${dbName}`,
  });

  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  });

  it('refuses a bad setting, naming the variable', async () => {
    const p = startNode('dist/main.js', [], { ...baseEnv(), PORT: 'eighty', REDIS_URL: 'http://nope' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/PORT/);
    expect(p.output()).toMatch(/REDIS_URL/);
  });

  it('refuses, in production, a token secret published with Cloture (the old compose fallback), saying how to make one (issue 12 item 11)', async () => {
    const secret = 'change-me-to-32-or-more-random-characters';
    const port = await freePort();
    const p = startNode('dist/main.js', [], { ...baseEnv(), NODE_ENV: 'production', TOKEN_SECRET: secret, PORT: String(port) });
    // Were it accepted, the app would serve: that ends the wait too, and the test fails instead of hanging.
    let code: number | string | undefined;
    void p.exited.then((c) => (code = c));
    await waitUntil(async () => code !== undefined || (await fetch(`http://127.0.0.1:${port}/health`)).ok, 50_000, 'exit or service');
    p.child.kill('SIGKILL');
    expect(code).toBe(1);
    expect(p.output()).toMatch(/TOKEN_SECRET is a default published with Cloture/);
    expect(p.output()).toContain('openssl rand -base64 48');
    expect(p.output()).not.toContain(secret);
    // Refused before anything else happens: the database was not even created.
    expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName])).toHaveLength(0);
  });

  it('says which Node.js it needs instead of crashing on an ES module when require(esm) is unavailable (issue 12 item 12)', async () => {
    for (const script of ['dist/main.js', 'dist/worker.js', 'dist/cli.js', 'dist/worker-health.js']) {
      // What Node.js older than 20.19 does by default.
      const p = startNode(script, ['migrate'], { ...baseEnv(), NODE_OPTIONS: '--no-experimental-require-module' });
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain('Cloture needs Node.js ^20.19.0 || >=22.12.0');
      expect(p.output()).not.toContain('ERR_REQUIRE_ESM');
    }
  });

  it('refuses an unmigrated database when MIGRATE_ON_START=false, printing the command that migrates', async () => {
    const p = startNode('dist/main.js', [], { ...baseEnv(), MIGRATE_ON_START: 'false', PORT: String(await freePort()) });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('npm run migration:run');
    // The database itself was created (first run needs no manual step), but holds no schema: no table but the
    // migration history TypeORM creates when it looks for pending migrations, and that one empty.
    expect(await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName])).toHaveLength(1);
    const db = new Client({ connectionString: serverUrl(dbName) });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`);
      expect(rows).toEqual([{ table_name: 'migrations' }]);
      expect((await db.query(`SELECT count(*)::int AS n FROM migrations`)).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.end();
    }
  });

  it('creates and migrates the database, serves api + worker, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    // With the Docker image's NODE_OPTIONS: nothing in the stack may touch __proto__ (issue 12 item 11).
    const p = startNode('dist/main.js', ['--with-worker'], {
      ...baseEnv(),
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      NODE_OPTIONS: '--disable-proto=throw',
    });
    try {
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, 60_000, 'readiness');
      const docs = (await (await fetch(`http://127.0.0.1:${port}/docs-json`)).json()) as { openapi: string };
      expect(docs.openapi).toMatch(/^3\./);
      const logLine = p.output().split('\n').find((l) => l.includes('listening'));
      expect(JSON.parse(logLine!)).toMatchObject({ level: 30, msg: expect.stringContaining('api + worker') });
      const started = Date.now();
      p.child.kill('SIGTERM');
      // Nest closes the app (queues, HTTP, pools), then re-raises the signal: the process ends by SIGTERM.
      expect(['SIGTERM', 0]).toContain(await p.exited);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(p.output()).toContain('shutdown complete (SIGTERM)');
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('the CLI migrates and creates the first admin key', async () => {
    const migrate = startNode('dist/cli.js', ['migrate'], baseEnv());
    expect(await migrate.exited).toBe(0);
    const create = startNode('dist/cli.js', ['api-keys:create', '--name', 'first admin'], { ...baseEnv(), LOG_LEVEL: 'warn' });
    expect(await create.exited).toBe(0);
    expect(create.output()).toMatch(/^clk_[A-Za-z0-9_-]{43}$/m);
  });
});
