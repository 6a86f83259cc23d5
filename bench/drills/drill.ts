/**
 * REL-1 failure drills: a blast in progress survives a killed worker, a Redis restart and a PostgreSQL restart —
 * nobody lost, duplicates only among messages in flight at the fault, each counted; the API answers 503, not 500,
 * while a dependency is down.
 *
 *   npm run bench:drill:kill       # kill -9 the worker three times during a 50,000-recipient blast, restart it each time
 *   npm run bench:drill:redis      # restart Redis (shutdown nosave + start) mid-blast — Redis is SHARED on this machine
 *   npm run bench:drill:postgres   # restart PostgreSQL mid-blast — SHARED: run last, once
 *   npm run bench:drill:dbcut      # this drill's database only: terminate its sessions and refuse new ones for
 *                                  # --cut-ms (default 3000) — PostgreSQL "down" for the app without touching others
 *   npm run bench:drill:stop       # REL-3: two workers; kill -STOP one for --pause-ms (default 3 × the stale
 *                                  # interval) while it holds claimed rows, then kill -CONT: it must send nothing
 *                                  # it no longer owns (each worker logs in to the sink as its own SMTP user)
 *   options: --recipients 50000 --rate 600 --no-build
 *
 * Processes: api (`node bench/out/dist/main.js`), one worker (`node bench/out/dist/worker.js`), an SMTP sink, each its
 * own; database cloture_bench_drill_<fault>. A probe hits the API every 100 ms throughout (readiness, a public
 * petition, a one-click unsubscribe of people outside the blast) and records every status. Verdict printed at the end:
 *   lost       recipients the ledger says were sent (or that the audience holds) with no message at the sink: must be 0
 *   unfinished ledger rows still pending/sending at the end: must be 0
 *   duplicates extra copies at the sink: must be ≤ rows in flight (claimed, `sending`) at the fault, and ≤ rows the
 *              ledger flags possible_duplicate (each counted)
 *   5xx        probe answers of 500 or other non-503 5xx: must be 0; the API process must survive
 *   recovery   fault → first message sent again; fault → in-doubt rows resolved
 */
import { execFileSync } from 'node:child_process';
import { Pool } from 'pg';
import type { Env } from '../../src/core/config/env';
import { UnsubscribeTokenService } from '../../src/preferences/unsubscribe-token.service';
import {
  arg, buildApp, dbUrl, dropRedisPrefix, flag, fmt, freshDatabase, log, machine, Proc, sleep, startApp, startWorker, stop, TOKEN_SECRET, waitFor, writeReport,
} from '../support/bench-process';
import { createBlast, ledger, organizerApi, ORG_SETTINGS, reconcileWithSink, seedSubscribers, waitUntilSent } from '../support/blast-run';
import { SmtpSinkProcess } from '../support/smtp-sink-process';

type Fault = 'kill' | 'redis' | 'postgres' | 'dbcut' | 'stop';
const FAULT = (process.argv.find((a) => ['kill', 'redis', 'postgres', 'dbcut', 'stop'].includes(a)) ?? 'kill') as Fault;
/** dbcut: how long this drill's own database refuses connections (every session of it terminated first). */
const CUT_MS = arg('--cut-ms', 3000);
const RECIPIENTS = arg('--recipients', 50_000);
const RATE = arg('--rate', 600);
const PORT = arg('--port', 3395);
const DATABASE = `cloture_bench_drill_${FAULT}`;
/** Fractions of the audience sent at which the fault is injected. */
const AT = FAULT === 'kill' ? [0.2, 0.45, 0.7] : [0.35];
const STALE_MS = 5000;
/** stop: how long the stopped worker stays stopped. */
const PAUSE_MS = arg('--pause-ms', 3 * STALE_MS);
/** stop: a message begun this soon after waking was past its last lease check at the stop (in flight). */
const WAKE_SLACK_MS = 50;

interface ProbeCounts {
  [endpoint: string]: Record<string, number>;
}

async function main(): Promise<void> {
  const startedIso = new Date().toISOString();
  if (FAULT === 'redis' && new Date().getUTCHours() * 60 + new Date().getUTCMinutes() < 10 * 60 + 30 && !flag('--force')) {
    throw new Error('the Redis drill restarts the shared Redis: run it after 10:30 UTC (or pass --force)');
  }
  buildApp();
  const machineLine = machine();
  await freshDatabase(DATABASE);
  await dropRedisPrefix(`bench_${DATABASE}`);
  const sink = await new SmtpSinkProcess().start();
  const env = {
    SMTP_URL: `${sink.url}?ignoreTLS=true`,
    SMTP_POOL_SIZE: '5',
    SEND_RATE_PER_SECOND: String(RATE),
    SEND_BATCH_SIZE: '500',
    BLAST_RECONCILE_INTERVAL_MS: '1000',
    BLAST_WORKER_STALE_MS: String(STALE_MS),
    LOG_LEVEL: 'warn',
  };
  const api = await startApp(DATABASE, PORT, env, false);
  // stop: each worker logs in to the sink as its own user, so every message says which process sent it.
  const asUser = (user: string) => (FAULT === 'stop' ? { ...env, SMTP_URL: env.SMTP_URL.replace('smtp://', `smtp://${user}:x@`) } : env);
  let other: Proc | undefined;
  let wokenAt = 0;
  const pool = new Pool({ connectionString: dbUrl(DATABASE), max: 3 });
  pool.on('error', () => undefined);
  const call = organizerApi(PORT);
  let worker: Proc | undefined;
  const probe: ProbeCounts = {};
  const slowest: Record<string, number> = {};
  let probing = true;
  let apiDied: boolean;
  try {
    await call('PATCH', '/api/v1/settings', ORG_SETTINGS);
    log(`seeding ${fmt(RECIPIENTS)} recipients`);
    await seedSubscribers(pool as never, RECIPIENTS, 'drill');
    // Probe fixtures: a petition, and people outside the blast (created after it is frozen) who unsubscribe by one-click.
    const petition = await call('POST', '/api/v1/petitions', {
      slug: 'drill-petition',
      title: 'Hold the vote',
      body: 'Schedule it.',
      targets: [{ type: 'role', role: 'majority_leader' }],
    });
    const tokens = new UnsubscribeTokenService({ tokenSecret: TOKEN_SECRET, TOKEN_PREVIOUS_SECRETS: [] } as unknown as Env);

    worker = await startWorker('worker', DATABASE, asUser('sleeper'));
    if (FAULT === 'stop') other = await startWorker('other', DATABASE, asUser('other'));
    const blastId = await createBlast(call, { name: `REL-1 drill: ${FAULT}` });
    const t0 = Date.now();
    await call('POST', `/api/v1/blasts/${blastId}/send`);
    await waitFor('the audience to be frozen', async () => (await ledger(pool, blastId)).total === RECIPIENTS, 120_000, 200);
    const probeIds = (
      await pool.query(
        `INSERT INTO subscribers (email, status, source) SELECT 'probe-' || i || '@example.org', 'subscribed', 'probe' FROM generate_series(1, 20000) i RETURNING id`,
      )
    ).rows.map((r) => r.id as string);
    let probeNext = 0;

    const record = (endpoint: string, status: string) => {
      probe[endpoint] ??= {};
      probe[endpoint][status] = (probe[endpoint][status] ?? 0) + 1;
    };
    const probeLoop = (async () => {
      while (probing) {
        const targets: [string, string, RequestInit][] = [
          ['GET /health/ready', '/health/ready', {}],
          ['GET /api/v1/public/petitions/:slug', `/api/v1/public/petitions/${petition.slug}`, {}],
          [
            'POST /unsubscribe/:token',
            `/unsubscribe/${tokens.sign({ subscriberId: probeIds[probeNext++ % probeIds.length], purpose: 'unsubscribe' })}`,
            { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' },
          ],
        ];
        await Promise.all(
          targets.map(async ([name, path, init]) => {
            const started = Date.now();
            try {
              const res = await fetch(`http://127.0.0.1:${PORT}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
              await res.arrayBuffer();
              record(name, String(res.status));
              slowest[name] = Math.max(slowest[name] ?? 0, Date.now() - started);
            } catch (e) {
              record(name, `transport error (${(e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).name})`);
            }
          }),
        );
        await sleep(100);
      }
    })();

    const faults: { at: number; inFlight: number; sentBefore: number; resumedAfterMs?: number; resolvedAfterMs?: number; downMs: number }[] = [];
    for (const fraction of AT) {
      await waitFor(`${Math.round(fraction * 100)} % sent`, async () => (await ledger(pool, blastId)).sent >= fraction * RECIPIENTS, 30 * 60_000, 200);
      const before = await ledger(pool, blastId);
      const deadPid = worker!.child.pid;
      const at = Date.now();
      let downMs = 0;
      if (FAULT === 'kill') {
        worker!.child.kill('SIGKILL');
        await worker!.exited;
        downMs = Date.now() - at;
        log(`kill -9 worker at ${fmt(before.sent)} sent; restarting it`);
      } else if (FAULT === 'redis') {
        log(`restarting Redis at ${fmt(before.sent)} sent`);
        try {
          execFileSync('redis-cli', ['shutdown', 'nosave'], { stdio: 'pipe' });
        } catch {
          /* redis-cli reports the closed connection as an error */
        }
        execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
        await waitFor('Redis to answer', () => execFileSync('redis-cli', ['ping']).toString().trim() === 'PONG', 30_000, 50);
        downMs = Date.now() - at;
        log(`Redis back after ${downMs} ms`);
      } else if (FAULT === 'stop') {
        worker!.child.kill('SIGSTOP');
        log(`kill -STOP worker at ${fmt(before.sent)} sent; waking it in ${PAUSE_MS} ms`);
        await sleep(PAUSE_MS);
        wokenAt = Date.now();
        worker!.child.kill('SIGCONT');
        downMs = Date.now() - at;
      } else if (FAULT === 'dbcut') {
        log(`cutting database ${DATABASE} for ${CUT_MS} ms at ${fmt(before.sent)} sent`);
        const admin = new Pool({ connectionString: dbUrl('postgres'), max: 1 });
        await admin.query(`ALTER DATABASE "${DATABASE}" ALLOW_CONNECTIONS false`);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [DATABASE]);
        await sleep(CUT_MS);
        await admin.query(`ALTER DATABASE "${DATABASE}" ALLOW_CONNECTIONS true`);
        await admin.end();
        downMs = Date.now() - at;
      } else {
        log(`restarting PostgreSQL at ${fmt(before.sent)} sent`);
        const cluster = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0];
        execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart'], { stdio: 'pipe' });
        downMs = Date.now() - at;
        log(`PostgreSQL back after ${downMs} ms`);
      }
      // In flight = rows claimed (`sending`) when the fault hit: read once the database answers again.
      const inFlight = (await waitForQuery(() => ledger(pool, blastId))).sending;
      const fault = { at, inFlight, sentBefore: before.sent, downMs } as (typeof faults)[number];
      faults.push(fault);
      if (FAULT === 'kill') worker = await startWorker('worker', DATABASE, env);
      const sentAtFault = (await waitForQuery(() => ledger(pool, blastId))).sent;
      await waitFor('sending to resume', async () => (await ledger(pool, blastId).catch(() => ({ sent: 0 }))).sent > sentAtFault, 10 * 60_000, 100);
      fault.resumedAfterMs = Date.now() - at;
      log(`sending resumed ${(fault.resumedAfterMs / 1000).toFixed(1)} s after the fault (${inFlight} rows were in flight)`);
      // In doubt: rows the faulted worker (kill) — or any worker (redis/postgres) — held in `sending` at the fault.
      const holder = FAULT === 'kill' || FAULT === 'stop' ? `%:${deadPid}:%` : '%';
      await waitFor(
        'the in-doubt rows to be resolved',
        async () =>
          (await pool.query(`SELECT count(*)::int AS n FROM blast_deliveries WHERE blast_id = $1 AND status = 'sending' AND claimed_by LIKE $2 AND claimed_at < to_timestamp($3 / 1000.0)`, [blastId, holder, at])).rows[0].n === 0,
        10 * 60_000,
        200,
      );
      fault.resolvedAfterMs = Date.now() - at;
      log(`in-doubt rows resolved ${(fault.resolvedAfterMs / 1000).toFixed(1)} s after the fault`);
    }

    const tDone = await waitUntilSent(pool, blastId, { timeoutMs: 30 * 60_000, everyMs: 250 });
    probing = false;
    await probeLoop;
    apiDied = api.child.exitCode !== null || api.child.signalCode !== null;
    const l = await ledger(pool, blastId);
    const check = await reconcileWithSink(pool, blastId, await sink.recipients());
    const inFlight = faults.reduce((n, f) => n + f.inFlight, 0);
    const probe5xx = Object.values(probe).reduce((n, s) => n + Object.entries(s).filter(([k]) => /^5\d\d$/.test(k) && k !== '503').reduce((m, [, c]) => m + c, 0), 0);
    const probeTransport = Object.values(probe).reduce((n, s) => n + Object.entries(s).filter(([k]) => k.startsWith('transport')).reduce((m, [, c]) => m + c, 0), 0);
    const unfinished = l.pending + l.sending;
    // stop: duplicates the woken worker caused — a message it began after waking to someone who got another copy.
    let fromWoken = 0;
    let wokenSent = 0;
    if (FAULT === 'stop') {
      const all = await sink.messages();
      const copies = new Map<string, number>();
      for (const [to] of all) copies.set(to, (copies.get(to) ?? 0) + 1);
      const late = all.filter(([, user, at]) => user === 'sleeper' && at >= wokenAt + WAKE_SLACK_MS);
      wokenSent = late.length;
      fromWoken = late.filter(([to]) => (copies.get(to) ?? 0) > 1).length;
    }
    // Duplicates (kill): at most the rows in flight at each fault. A stopped worker's in-flight rows are those it held
    // when stopped, which the ledger flags when others take them over: bounded by the flags.
    const inFlightBound = FAULT === 'stop' ? l.possibleDuplicates : inFlight;
    const pass =
      check.lost === 0 && unfinished === 0 && check.extra <= inFlightBound && check.extra <= l.possibleDuplicates && probe5xx === 0 && !apiDied &&
      l.sent === RECIPIENTS && fromWoken === 0;
    const report = [
      `### ${FAULT === 'stop' ? 'REL-3' : 'REL-1'} drill: ${{ kill: 'kill -9 the worker three times', redis: 'restart Redis mid-blast', postgres: 'restart PostgreSQL mid-blast', dbcut: `cut the database off for ${CUT_MS} ms mid-blast`, stop: `kill -STOP one of two workers for ${PAUSE_MS} ms, then kill -CONT` }[FAULT]} — ${startedIso}`,
      '',
      `Command: \`npm run bench:drill:${FAULT} -- --recipients ${RECIPIENTS} --rate ${RATE}${FAULT === 'dbcut' ? ` --cut-ms ${CUT_MS}` : FAULT === 'stop' ? ` --pause-ms ${PAUSE_MS}` : ''}\` · api, ${FAULT === 'stop' ? 'two workers' : 'worker'} and SMTP sink each their own process; SEND_RATE_PER_SECOND=${RATE}, SEND_BATCH_SIZE=500, BLAST_RECONCILE_INTERVAL_MS=1000, BLAST_WORKER_STALE_MS=${STALE_MS} · ${machineLine}`,
      '',
      `**Verdict: ${pass ? 'PASS' : 'FAIL'}** — ${fmt(RECIPIENTS)} recipients; ledger: ${fmt(l.sent)} sent, ${l.failed} failed, ${l.skipped} skipped, ${unfinished} unfinished; sink: ${fmt(check.audience)} sent recipients checked, **lost ${check.lost}**, **duplicates ${check.extra}** (recipients with >1 copy: ${check.duplicated}) against ${inFlight} in flight at the fault(s) and ${l.possibleDuplicates} rows the ledger counts as possible duplicates; unexpected recipients ${check.unexpected}; blast finished ${((tDone - t0) / 1000).toFixed(1)} s after send.${FAULT === 'stop' ? ` The woken worker began ${fmt(wokenSent)} message(s) more than ${WAKE_SLACK_MS} ms after waking; **duplicates it caused: ${fromWoken}**.` : ''}`,
      '',
      '| fault | at (sent) | outage ms | rows in flight | sending resumed after | in-doubt rows resolved after |',
      '|---|---:|---:|---:|---:|---:|',
      ...faults.map((f, i) => `| ${FAULT} #${i + 1} | ${fmt(f.sentBefore)} | ${f.downMs} | ${f.inFlight} | ${((f.resumedAfterMs ?? NaN) / 1000).toFixed(1)} s | ${((f.resolvedAfterMs ?? NaN) / 1000).toFixed(1)} s |`),
      '',
      `API during the drill (probe every 100 ms; 500s and other non-503 5xx: ${probe5xx}; transport errors: ${probeTransport}; api process ${apiDied ? 'DIED' : 'stayed up'}):`,
      '',
      ...Object.entries(probe).map(([k, v]) => `- ${k}: ${Object.entries(v).map(([s, n]) => `${s}×${n}`).join(', ')} (slowest answer ${slowest[k] ?? '?'} ms)`),
    ].join('\n');
    console.log(`\n${report}\n`);
    log(`report appended to ${writeReport(`drill-${FAULT}`, report)}`);
    if (!pass) process.exitCode = 1;
  } finally {
    probing = false;
    await stop(worker);
    await stop(other);
    await stop(api);
    await pool.end().catch(() => undefined);
    await sink.stop();
    await dropRedisPrefix(`bench_${DATABASE}`).catch(() => undefined);
  }
}

/** Retries a query until the database answers (during a PostgreSQL restart). */
async function waitForQuery<T>(q: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await q();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
