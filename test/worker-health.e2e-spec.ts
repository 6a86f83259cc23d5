import { hostname } from 'node:os';
import { bootApp, TestApp } from './support/app';
import { startNode, waitUntil } from './support/process';
import { WorkerProcess } from './support/worker-process';

/**
 * The worker container's health check (docker-compose.yml runs `node dist/worker-health.js`, built by `npm test`'s
 * pretest step): exit 0 only while a worker on this host heartbeats, 1 otherwise (issue 12 item 11).
 */
describe('Worker health check (issue 12 item 11)', () => {
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    // No in-process worker: the only heartbeats are those of the worker process this test starts.
    t = await bootApp({ worker: false, env: { BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '5000' } });
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
  });

  async function health(env: Record<string, string> = WorkerProcess.envOf(t.env, { LOG_LEVEL: 'warn' })) {
    const p = startNode('dist/worker-health.js', [], env);
    return { code: await p.exited, output: p.output() };
  }

  it('is unhealthy before any worker ran here, even when workers elsewhere heartbeat', async () => {
    await t.query(`INSERT INTO blast_workers (id, heartbeat_at) VALUES ('some-other-host:1:abcd', now())`);
    const r = await health();
    expect(r.code).toBe(1);
    expect(r.output).toContain(`no worker heartbeat from host ${hostname()}`);
  });

  it('is healthy once a worker on this host started', async () => {
    worker = await new WorkerProcess(WorkerProcess.envOf(t.env)).start().ready();
    await waitUntil(async () => (await t.query(`SELECT 1 FROM blast_workers WHERE starts_with(id, $1)`, [`${hostname()}:`])).length > 0, 30_000, 'the first heartbeat');
    const r = await health();
    expect(r.output).toMatch(/heartbeat [\d.]+ s ago/);
    expect(r.code).toBe(0);
  });

  it('is unhealthy when the worker stopped heartbeating (killed, hung, or cut off from PostgreSQL)', async () => {
    await worker!.kill('SIGKILL');
    worker = undefined;
    // What BLAST_WORKER_STALE_MS of silence looks like, without waiting for it.
    await t.query(`UPDATE blast_workers SET heartbeat_at = now() - interval '1 minute' WHERE starts_with(id, $1)`, [`${hostname()}:`]);
    const r = await health();
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/last worker heartbeat from host .* was \d+\.\d s ago \(stale after 5000 ms\)/);
  });

  it('is unhealthy, with a message and no stack trace, when PostgreSQL cannot be reached', async () => {
    const r = await health(WorkerProcess.envOf(t.env, { DATABASE_URL: 'postgres://cloture:hunter2-password@127.0.0.1:1/cloture' }));
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/^cannot read worker heartbeats: .*ECONNREFUSED/m);
    expect(r.output).not.toContain('hunter2');
    expect(r.output).not.toMatch(/\n\s+at /);
  });
});
