import { createServer } from 'node:net';
import { adminQuery, runId, serverUrl } from './support/test-database';
import { startNode, waitUntil } from './support/process';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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

  it('refuses an unmigrated database when MIGRATE_ON_START=false, printing the command that migrates', async () => {
    const p = startNode('dist/main.js', [], { ...baseEnv(), MIGRATE_ON_START: 'false', PORT: String(await freePort()) });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('npm run migration:run');
    // The database itself was created (first run needs no manual step), but holds no schema.
    const tables = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName]);
    expect(tables).toHaveLength(1);
  });

  it('creates and migrates the database, serves api + worker, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const p = startNode('dist/main.js', ['--with-worker'], { ...baseEnv(), PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
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
