import { bootApp, TestApp } from './support/app';
import { configureOrganization, createBlast, insertManySubscribers, sendBlast, waitForStatus } from './support/blast-factories';
import { SmtpSink } from './support/smtp-sink';
import { TimedSinkProcess, WorkerProcess } from './support/worker-process';

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

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

  it('a killed worker\'s rows are taken over as soon as its liveness lock is gone, not after the stale interval', async () => {
    const sink = await startSink({ dataDelayMs: 100 });
    // A stale interval far longer than the test may wait: only the liveness lock can explain a prompt takeover.
    const workerEnv = { SEND_RATE_PER_SECOND: '30', SEND_BATCH_SIZE: '200', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: '120000' };
    const t = await bootApp({ worker: false, env: { SMTP_URL: sink.url, ...workerEnv } });
    apps.push(t);
    await configureOrganization(t);
    const ids = await insertManySubscribers(t, 60, 'small');
    const first = new WorkerProcess(WorkerProcess.envOf(t.env)).start();
    workers.push(first);
    await first.ready();
    const second = new WorkerProcess(WorkerProcess.envOf(t.env)).start();
    workers.push(second);
    await second.ready();
    const blast = await createBlast(t);
    await sendBlast(t, blast.id);
    // One batch of 200 holds the whole blast: whichever worker took it is the one to kill.
    await sink.waitFor(5, 30_000);
    const [{ claimed_by }] = await t.query(`SELECT claimed_by FROM blast_deliveries WHERE blast_id = $1 AND status = 'sending' LIMIT 1`, [blast.id]);
    const victim = claimed_by.includes(`:${first.pid}:`) ? first : second;
    await victim.kill('SIGKILL');
    await waitForStatus(t, blast.id, 'sent', 30_000);
    const counts = countsByRecipient(sink);
    expect(counts.size).toBe(ids.length);
    const stats = (await t.request('GET', `/api/v1/blasts/${blast.id}/stats`)).body;
    expect(stats).toMatchObject({ sent: 60, pending: 0, sending: 0 });
    expect(sink.messages.length - ids.length).toBeLessThanOrEqual(stats.possibleDuplicates);
  });

  it('a worker paused past the stale interval (SIGSTOP) sends nothing it no longer owns when it wakes (REL-3)', async () => {
    const STALE = 2000;
    const sink = await startSink({ auth: true });
    // Enough work left when the sleeper wakes (900 at 100/s; it sleeps 5 s of the 9).
    const env = { SEND_RATE_PER_SECOND: '100', SEND_BATCH_SIZE: '40', BLAST_RECONCILE_INTERVAL_MS: '300', BLAST_WORKER_STALE_MS: String(STALE) };
    const t = await bootApp({ worker: false, env: { SMTP_URL: sink.url, ...env } });
    apps.push(t);
    await configureOrganization(t);
    const ids = await insertManySubscribers(t, 900, 'paused');
    const emails: string[] = (await t.query(`SELECT email FROM subscribers WHERE id = ANY ($1::uuid[])`, [ids])).map((r: { email: string }) => r.email);
    // Each worker logs in to the sink under its own name, so every message says which process sent it.
    const viaUser = (user: string) => WorkerProcess.envOf(t.env, { SMTP_URL: sink.url.replace('smtp://', `smtp://${user}:x@`) });
    const [sleeper, other] = [new WorkerProcess(viaUser('sleeper')).start(), new WorkerProcess(viaUser('other')).start()];
    workers.push(sleeper, other);
    await Promise.all([sleeper.ready(), other.ready()]);
    const blast = await createBlast(t);
    await sendBlast(t, blast.id);
    await waitUntil(() => sink.messages.filter((m) => m.user === 'sleeper').length >= 10, 30_000);

    // A long GC pause, a frozen VM: stopped well past the stale interval while holding claimed rows, then woken.
    sleeper.signal('SIGSTOP');
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 2.5 * STALE));
    const wokenAt = Date.now();
    sleeper.signal('SIGCONT');
    await waitForStatus(t, blast.id, 'sent', 90_000);
    await new Promise((r) => setTimeout(r, 300)); // the last replies

    const counts = countsByRecipient(sink);
    for (const e of emails) expect({ e, got: (counts.get(e) ?? 0) >= 1 }).toEqual({ e, got: true });
    // The woken worker sent again (it claimed fresh rows) — and no message it began after waking went to anyone who
    // got a copy from the other worker, or from itself before the pause. (A message whose last lease check passed
    // just before the stop, inside the synchronous step that then writes MAIL FROM, goes out the moment the process
    // resumes: it was in flight at the stop, like one whose bytes were already on the wire. Those begin within a few
    // milliseconds of waking; anything later was decided after waking.)
    const afterWaking = sink.messages.filter((m) => m.user === 'sleeper' && m.startedAt >= wokenAt + 50);
    expect(afterWaking.length).toBeGreaterThan(0);
    const doubledByWoken = afterWaking.filter((m) => (counts.get(m.to[0]) ?? 0) > 1).map((m) => m.to[0]);
    if (doubledByWoken.length) {
      console.log(JSON.stringify(doubledByWoken.map((e) => sink.to(e).map((m) => ({ user: m.user, start: m.startedAt - stoppedAt, end: m.receivedAt - stoppedAt, woken: wokenAt - stoppedAt })))));
    }
    expect(doubledByWoken).toEqual([]);
    // Any duplicate is a message in flight when the process stopped (begun before it), and counted.
    const duplicates = sink.messages.length - emails.length;
    const stats = (await t.request('GET', `/api/v1/blasts/${blast.id}/stats`)).body;
    expect(stats).toMatchObject({ sent: 900, pending: 0, sending: 0 });
    expect(duplicates).toBeLessThanOrEqual(stats.possibleDuplicates);
    const doubled = [...counts.entries()].filter(([, n]) => n > 1).map(([e]) => e);
    for (const e of doubled) {
      const sleeperCopies = sink.to(e).filter((m) => m.user === 'sleeper');
      expect({ e, begunBeforeThePause: sleeperCopies.every((m) => m.startedAt < stoppedAt + 50) }).toEqual({ e, begunBeforeThePause: true });
    }
    expect(sleeper.output.join('')).toMatch(/lease lapsed/);
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
      if (figures.handedPer1s > RATE + 3 || figures.sinkPer3s > 4 * RATE) console.log(JSON.stringify({ figures, sentAt: sentAt.map((a) => a - sentAt[0]), at: at.map((a) => a - at[0]) }));
      expect(figures.sinkAverage).toBeLessThanOrEqual(RATE * 1.05);
      expect(figures.handedPer1s).toBeLessThanOrEqual(RATE + 3);
      // At the sink, a stalled process on this shared machine lets up to a second's worth arrive together (42-46 were
      // seen at RATE 12, on the code before and after the last changes alike). Two workers each at the full rate would
      // put 72 in 3 s: the bound below still catches that, without failing on load.
      expect(figures.sinkPer3s).toBeLessThanOrEqual(4 * RATE);
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
