/**
 * PERF-1: blast throughput end to end against a bare nodemailer pool, same sink, same run.
 *
 *   npm run bench:blast                                  # 20,000 recipients, 1 and 2 workers, 3 rounds (medians)
 *   npm run bench:blast -- --recipients 200000 --rounds 1  # the full size
 *   npm run bench:blast -- --workers 1 --rounds 1 --no-build
 *
 * Processes: the api (`node bench/out/dist/main.js`, no processors), one or two workers (`node bench/out/dist/worker.js`),
 * and an SMTP sink (smtp-server, reverse lookup off, accepts everything) — each its own process. Database
 * cloture_bench_blast, own Redis prefix. SEND_RATE_PER_SECOND is set far above what the machine can do, so the global
 * limiter is in the path (one Redis call per message) without capping; SMTP_POOL_SIZE=5 connections per worker.
 *
 * App figure: from the POST /send request to the moment the blast is `sent` with no ledger row pending or sending
 * (audience frozen, batches queued, each message rendered, sent over SMTP to the sink, ledger updated).
 * Baseline, same run: this process renders the same personalized messages with the app's own BlastRenderer and
 * PreferenceLinksService (same bytes: footer, one-click headers) and sends them through a bare pooled nodemailer
 * transport with the same connection count (5) and the same number in flight as one worker allows (20), to the same
 * sink. Both figures include rendering; the difference is the pipeline (SQL claims, queue, rate limiter, ledger).
 * Worker CPU ms per message comes from /proc (user+system), peak RSS from sampling every 250 ms.
 */
import { createTransport } from 'nodemailer';
import { BlastRenderer, Recipient } from '../../src/blasts/blast-message';
import type { Blast } from '../../src/blasts/blast.entity';
import { loadEnv } from '../../src/core/config/env';
import { PreferenceLinksService } from '../../src/preferences/preference-links.service';
import { UnsubscribeTokenService } from '../../src/preferences/unsubscribe-token.service';
import type { Settings } from '../../src/settings/settings.entity';
import {
  arg, buildApp, databaseExists, dropRedisPrefix, flag, fmt, freshDatabase, log, machine, mb, median, pg, procStat, Proc, sampleRss, startApp,
  startWorker, stop, TOKEN_SECRET, writeReport,
} from '../support/bench-process';
import { createBlast, ledger, organizerApi, ORG_SETTINGS, reconcileWithSink, seedSubscribers, waitUntilSent } from '../support/blast-run';
import { SmtpSinkProcess } from '../support/smtp-sink-process';

const DATABASE = 'cloture_bench_blast';
const RECIPIENTS = arg('--recipients', 20_000);
const ROUNDS = arg('--rounds', 3);
const PORT = arg('--port', 3394);
const POOL = 5;
const IN_FLIGHT = POOL * 4; // WORKER_CONCURRENCY (4) jobs × SMTP_POOL_SIZE lanes each, as one worker runs
const WORKER_COUNTS = flag('--workers') ? [arg('--workers', 1)] : [1, 2];

interface AppRun {
  workers: number;
  seconds: number;
  rate: number;
  cpuMsPerMessage: number;
  peakRss: number;
  lost: number;
  extra: number;
  sinkMessages: number;
}

async function main(): Promise<void> {
  const startedIso = new Date().toISOString();
  buildApp();
  const machineLine = machine();
  const reuse = flag('--reuse') && (await databaseExists(DATABASE));
  if (!reuse) await freshDatabase(DATABASE);
  await dropRedisPrefix(`bench_${DATABASE}`);
  const sink = await new SmtpSinkProcess().start();
  const env = {
    SMTP_URL: `${sink.url}?ignoreTLS=true`,
    SMTP_POOL_SIZE: String(POOL),
    SEND_RATE_PER_SECOND: '100000',
    SEND_BATCH_SIZE: '500',
    BLAST_RECONCILE_INTERVAL_MS: '2000',
    LOG_LEVEL: 'warn',
  };
  const api = await startApp(DATABASE, PORT, env, false);
  const db = await pg(DATABASE);
  const call = organizerApi(PORT);
  let workers: Proc[] = [];
  try {
    await call('PATCH', '/api/v1/settings', ORG_SETTINGS);
    const [{ n: have }] = (await db.query(`SELECT count(*)::int AS n FROM subscribers WHERE status = 'subscribed'`)).rows;
    if (have !== RECIPIENTS) {
      await db.query(`TRUNCATE blast_deliveries, subscribers CASCADE`);
      log(`seeding ${fmt(RECIPIENTS)} subscribers`);
      await seedSubscribers(db, RECIPIENTS, 'reader');
    }
    const recipients = (
      await db.query(`SELECT id, email, first_name, last_name, zip, state, custom_fields FROM subscribers WHERE status = 'subscribed' ORDER BY id`)
    ).rows.map(
      (r): Recipient => ({ subscriberId: r.id, email: r.email, firstName: r.first_name, lastName: r.last_name, zip: r.zip, state: r.state, customFields: r.custom_fields }),
    );

    const appRuns: AppRun[] = [];
    const baseRuns: { seconds: number; rate: number; messages: number; cpuMsPerMessage: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const count of WORKER_COUNTS) {
        log(`round ${round}: blast to ${fmt(RECIPIENTS)} with ${count} worker(s)`);
        await Promise.all(workers.map((w) => stop(w)));
        workers = [];
        for (let i = 0; i < count; i++) workers.push(await startWorker(`worker${i + 1}`, DATABASE, env));
        await sink.reset();
        const blastId = await createBlast(call, { name: `PERF-1 round ${round} × ${count}` });
        const cpu0 = workers.map((w) => procStat(w.child.pid!)!.cpuMs);
        const samplers = workers.map((w) => sampleRss(w.child.pid!, 250));
        const t0 = Date.now();
        await call('POST', `/api/v1/blasts/${blastId}/send`);
        const t1 = await waitUntilSent(db, blastId, { timeoutMs: 60 * 60_000, everyMs: 100 });
        const seconds = (t1 - t0) / 1000;
        const cpu = workers.reduce((n, w, i) => n + procStat(w.child.pid!)!.cpuMs - cpu0[i], 0);
        const peak = Math.max(...samplers.map((s) => s.stop().peak));
        const l = await ledger(db, blastId);
        const check = await reconcileWithSink(db, blastId, await sink.recipients());
        const stats = await sink.stats();
        const runFig: AppRun = {
          workers: count,
          seconds,
          rate: l.sent / seconds,
          cpuMsPerMessage: cpu / Math.max(1, l.sent),
          peakRss: peak,
          lost: check.lost,
          extra: check.extra,
          sinkMessages: stats.messages,
        };
        appRuns.push(runFig);
        log(
          `app ${count}w: ${fmt(l.sent)} sent in ${seconds.toFixed(1)} s = ${fmt(runFig.rate)} msg/s; worker CPU ${runFig.cpuMsPerMessage.toFixed(2)} ms/msg; peak RSS ${mb(peak)}; sink ${stats.messages}; lost ${check.lost}; extra ${check.extra}`,
        );
        if (l.sent !== RECIPIENTS || check.lost || check.extra) log(`WARNING: ledger ${JSON.stringify(l)}; sink check ${JSON.stringify(check)}`);

        if (count === WORKER_COUNTS[0]) {
          // Baseline right after, on the same blast's content, against the same sink.
          await Promise.all(workers.map((w) => stop(w)));
          workers = [];
          await sink.reset();
          const blast = (await call('GET', `/api/v1/blasts/${blastId}`)) as Blast;
          const settings = (await call('GET', '/api/v1/settings')) as Settings;
          const appEnv = loadEnv({ TOKEN_SECRET, PUBLIC_BASE_URL: `http://127.0.0.1:${PORT}` });
          const renderer = new BlastRenderer(blast, settings, appEnv);
          const links = new PreferenceLinksService(appEnv, new UnsubscribeTokenService(appEnv));
          const transport = createTransport({ pool: true, host: '127.0.0.1', port: sink.port, ignoreTLS: true, maxConnections: POOL, maxMessages: Infinity });
          const cpuB0 = process.cpuUsage();
          const b0 = Date.now();
          let next = 0;
          let failed = 0;
          await Promise.all(
            Array.from({ length: IN_FLIGHT }, async () => {
              while (next < recipients.length) {
                const r = recipients[next++];
                try {
                  await transport.sendMail(renderer.message(r, links.forRecipient(r.subscriberId, blast.id), renderer.messageId(r.subscriberId)));
                } catch {
                  failed++;
                }
              }
            }),
          );
          const bSeconds = (Date.now() - b0) / 1000;
          const cpuB = process.cpuUsage(cpuB0);
          transport.close();
          const bStats = await sink.stats();
          baseRuns.push({ seconds: bSeconds, rate: (recipients.length - failed) / bSeconds, messages: bStats.messages, cpuMsPerMessage: (cpuB.user + cpuB.system) / 1000 / recipients.length });
          log(`bare nodemailer: ${fmt(bStats.messages)} at the sink in ${bSeconds.toFixed(1)} s = ${fmt((recipients.length - failed) / bSeconds)} msg/s (failed ${failed}); sender CPU ${((cpuB.user + cpuB.system) / 1000 / recipients.length).toFixed(2)} ms/msg`);
        }
      }
    }

    const med = (xs: number[]) => median(xs);
    const base = med(baseRuns.map((b) => b.rate));
    const lines = [
      `### PERF-1 blast throughput — ${startedIso}`,
      '',
      `Command: \`npm run bench:blast -- --recipients ${RECIPIENTS} --rounds ${ROUNDS}${flag('--workers') ? ` --workers ${WORKER_COUNTS[0]}` : ''}\` · api, worker(s) and SMTP sink each their own process, SMTP_POOL_SIZE=${POOL} per worker, SEND_BATCH_SIZE=500, WORKER_CONCURRENCY=4, rate limit far above reach · ${machineLine}`,
      '',
      '| sender | msg/s (median) | per round | seconds (median) | ratio to bare pool | CPU ms/msg | peak RSS | lost | extra copies |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|',
      `| bare nodemailer pool (${POOL} connections, ${IN_FLIGHT} in flight, same rendered messages) | ${fmt(base)} | ${baseRuns.map((b) => fmt(b.rate)).join(' / ')} | ${med(baseRuns.map((b) => b.seconds)).toFixed(1)} | 1.00 | ${med(baseRuns.map((b) => b.cpuMsPerMessage)).toFixed(2)} (sender) | — | — | — |`,
      ...WORKER_COUNTS.map((w) => {
        const runs = appRuns.filter((r) => r.workers === w);
        const rate = med(runs.map((r) => r.rate));
        return `| Cloture, ${w} worker${w > 1 ? 's' : ''} (send → last ledger row final) | ${fmt(rate)} | ${runs.map((r) => fmt(r.rate)).join(' / ')} | ${med(runs.map((r) => r.seconds)).toFixed(1)} | ${(rate / base).toFixed(2)} | ${med(runs.map((r) => r.cpuMsPerMessage)).toFixed(2)} (workers) | ${mb(Math.max(...runs.map((r) => r.peakRss)))} | ${runs.reduce((n, r) => n + r.lost, 0)} | ${runs.reduce((n, r) => n + r.extra, 0)} |`;
      }),
      '',
      `Each app run: ${fmt(RECIPIENTS)} recipients, every ledger row final and every sent row matched by exactly one message at the sink (lost/extra columns). The baseline's CPU is this bench process's (rendering + nodemailer); the app's is the worker processes' (the api, PostgreSQL and Redis are not counted in either).`,
    ];
    const report = lines.join('\n');
    console.log(`\n${report}\n`);
    log(`report appended to ${writeReport('blast', report)}`);
  } finally {
    await Promise.all(workers.map((w) => stop(w)));
    await stop(api);
    await db.end();
    await sink.stop();
    await dropRedisPrefix(`bench_${DATABASE}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
