import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, insertManySubscribers, sendBlast, waitForStatus } from './support/blast-factories';
import { SmtpSink } from './support/smtp-sink';
import { TimedSinkProcess, WorkerProcess } from './support/worker-process';

jest.setTimeout(120_000);

/**
 * Blasts with real worker processes (`node dist/worker.js`; run `npm run build` first): a worker killed with SIGKILL
 * mid-blast loses nobody (MSG-7, REL-1), and two workers together hold the global rate (MSG-8).
 */
describe('Blasts with worker processes (e2e)', () => {
  const workers: WorkerProcess[] = [];
  const apps: TestApp[] = [];
  const sinks: SmtpSink[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await Promise.all(sinks.splice(0).map((s) => s.stop()));
  });

  /** A sink whose connections may be cut by a killed worker: a reset socket is expected here, not a test failure. */
  const startSink = async (options: ConstructorParameters<typeof SmtpSink>[0] = {}) => {
    const sink = await new SmtpSink(options).start();
    (sink as unknown as { server: { on(event: string, listener: () => void): void } }).server.on('error', () => undefined);
    sinks.push(sink);
    return sink;
  };

  const countsByRecipient = (sink: SmtpSink) => {
    const counts = new Map<string, number>();
    for (const m of sink.messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  };

  it('a worker killed with SIGKILL mid-blast and replaced completes the blast: nobody lost, duplicates only as counted', async () => {
    const sink = await startSink({ dataDelayMs: 150 });
    const workerEnv = { SEND_RATE_PER_SECOND: '25', SEND_BATCH_SIZE: '40', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '2000' };
    const t = await bootApp({ worker: false, env: { SMTP_URL: sink.url, ...workerEnv } });
    apps.push(t);
    await configureOrganization(t);
    const ids = await insertManySubscribers(t, 120, 'crash');
    const emails: string[] = (await t.query(`SELECT email FROM subscribers WHERE id = ANY ($1::uuid[])`, [ids])).map((r: { email: string }) => r.email);

    const first = new WorkerProcess(WorkerProcess.envOf(t.env)).start();
    workers.push(first);
    await first.ready();
    const blast = await createBlast(t);
    await sendBlast(t, blast.id);
    await sink.waitFor(30, 30_000);
    await first.kill('SIGKILL');
    const atKill = sink.messages.length;
    expect(atKill).toBeLessThan(120);

    const second = new WorkerProcess(WorkerProcess.envOf(t.env)).start();
    workers.push(second);
    await second.ready();
    await waitForStatus(t, blast.id, 'sent', 90_000);

    const counts = countsByRecipient(sink);
    for (const e of emails) expect({ e, got: (counts.get(e) ?? 0) >= 1 }).toEqual({ e, got: true });
    const duplicates = sink.messages.length - emails.length;
    const stats = (await t.request('GET', `/api/v1/blasts/${blast.id}/stats`)).body;
    expect(stats).toMatchObject({ sent: 120, pending: 0, sending: 0, failed: 0 });
    expect(duplicates).toBeLessThanOrEqual(stats.possibleDuplicates);
    // Only in-flight messages can be duplicated: at most one claimed chunk per running job of the dead worker.
    expect(stats.possibleDuplicates).toBeLessThanOrEqual(4 * 25);
  });

  it('two worker processes together never exceed the global rate (MSG-8)', async () => {
    const RATE = 12;
    const N = 48;
    const sink = await new TimedSinkProcess().start();
    try {
      const env = { SEND_RATE_PER_SECOND: String(RATE), SEND_BATCH_SIZE: '4', BLAST_RECONCILE_INTERVAL_MS: '500' };
      const t = await bootApp({ worker: false, env: { SMTP_URL: sink.url, ...env } });
      apps.push(t);
      await configureOrganization(t);
      await insertManySubscribers(t, N, 'rate');
      const pair = [new WorkerProcess(WorkerProcess.envOf(t.env)).start(), new WorkerProcess(WorkerProcess.envOf(t.env)).start()];
      workers.push(...pair);
      await Promise.all(pair.map((w) => w.ready()));
      const blast = await createBlast(t);
      await sendBlast(t, blast.id);
      await waitForStatus(t, blast.id, 'sent', 60_000);
      await new Promise((r) => setTimeout(r, 200)); // the sink's last lines

      expect(sink.arrivals).toHaveLength(N);
      expect(new Set(sink.arrivals.map((a) => a.to)).size).toBe(N);
      // Both processes sent part of it.
      const sentBy = pair.map((w) => w.output.join('').match(/batch \d+: (\d+) sent/g)?.reduce((n, l) => n + Number(l.match(/: (\d+) sent/)![1]), 0) ?? 0);
      expect(sentBy[0]).toBeGreaterThan(0);
      expect(sentBy[1]).toBeGreaterThan(0);

      // Messages per second, both workers together. The limiter hands out slots exactly 1/RATE apart across all
      // workers (a closed 1 s window can hold RATE + 1 of them). What is observable lags the slot: the moment a worker
      // hands the message to SMTP (ledger sent_at) by however late the process woke up — up to ~80 ms on this loaded
      // 2-core machine — and the arrival at the sink (its own process and clock) by SMTP's latency too: messages
      // queued while a pooled connection opens, or behind a stalled process, arrive together. So: over the whole run
      // the sink never sees more than RATE per second; per 1 s of hand-offs at most a few over RATE + 1; per 3 s at
      // the sink likewise (never a sustained excess).
      const maxInWindow = (times: number[], ms: number) => {
        let worst = 0;
        for (let i = 0, j = 0; i < times.length; i++) {
          while (j < times.length && times[j] - times[i] < ms) j++;
          worst = Math.max(worst, j - i);
        }
        return worst;
      };
      const at = sink.arrivals.map((a) => a.at).sort((a, b) => a - b);
      const sentAt = (await t.query(`SELECT sent_at FROM blast_deliveries WHERE blast_id = $1 ORDER BY sent_at`, [blast.id])).map((r: { sent_at: Date }) => r.sent_at.getTime());
      const figures = {
        sinkAverage: (N - 1) / ((at[N - 1] - sentAt[0]) / 1000),
        handedPer1s: maxInWindow(sentAt, 1000),
        sinkPer3s: maxInWindow(at, 3000),
      };
      if (figures.handedPer1s > RATE + 3 || figures.sinkPer3s > 3 * RATE + 4) console.log(JSON.stringify({ figures, sentAt: sentAt.map((a) => a - sentAt[0]), at: at.map((a) => a - at[0]) }));
      expect(figures.sinkAverage).toBeLessThanOrEqual(RATE * 1.05);
      expect(figures.handedPer1s).toBeLessThanOrEqual(RATE + 3);
      expect(figures.sinkPer3s).toBeLessThanOrEqual(3 * RATE + 4);
    } finally {
      await sink.stop();
    }
  });

  it('SIGTERM: the worker hands back its batch and exits; a new worker sends the rest, each recipient once (OPS-4)', async () => {
    const sink = await startSink();
    const t = await bootApp({ worker: false, env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '10', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '2000' } });
    apps.push(t);
    await configureOrganization(t);
    const ids = await insertManySubscribers(t, 40, 'sigterm');
    const emails: string[] = (await t.query(`SELECT email FROM subscribers WHERE id = ANY ($1::uuid[])`, [ids])).map((r: { email: string }) => r.email);
    const first = new WorkerProcess(WorkerProcess.envOf(t.env)).start();
    workers.push(first);
    await first.ready();
    const blast = await createBlast(t);
    await sendBlast(t, blast.id);
    await sink.waitFor(8, 30_000);
    expect(await first.kill('SIGTERM')).toBe('SIGTERM');
    expect(first.output.join('')).toMatch(/stopped by shutdown/);
    const [held] = await t.query(`SELECT count(*) FILTER (WHERE status = 'sending')::int AS sending, count(*) FILTER (WHERE status = 'pending')::int AS pending FROM blast_deliveries WHERE blast_id = $1`, [blast.id]);
    expect(held.sending).toBe(0);
    expect(held.pending).toBeGreaterThan(0);

    const second = new WorkerProcess(WorkerProcess.envOf(t.env)).start();
    workers.push(second);
    await second.ready();
    await waitForStatus(t, blast.id, 'sent', 60_000);
    const counts = countsByRecipient(sink);
    for (const e of emails) expect({ e, n: counts.get(e) }).toEqual({ e, n: 1 });
    expect((await t.request('GET', `/api/v1/blasts/${blast.id}/stats`)).body).toMatchObject({ sent: 40, possibleDuplicates: 0 });
  });
});
