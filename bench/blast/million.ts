/**
 * PERF-2: a 1,000,000-subscriber audience through the real worker — seconds to freeze it (segment, frequency caps,
 * topic rule), then worker RSS sampled every second while it sends for --send-seconds (default 300) to the sink.
 *
 *   npm run bench:million                                   # seeds once (reused afterwards), freeze + 5 min of sending
 *   npm run bench:million -- --send-seconds 1800 --no-build # longer
 *   npm run bench:million -- --reseed
 *
 * Data (database cloture_bench_million): 1M subscribers, 85 % subscribed; frequency 80 % all / 10 % weekly / 6 %
 * monthly / 4 % important_only; 40 % tagged newsletter; 3 % opted out of the blast's topic; an earlier blast sent to
 * 300,000 of them three days ago, so weekly and monthly caps bite. Segment: newsletter OR state in (CA, TX, NY, CO).
 * Freeze time: from POST /send until blasts.frozen_at appears (polled every 50 ms): the freeze job's queueing, the
 * worker's set-based INSERT … SELECT and the commit.
 */
import {
  arg, buildApp, databaseExists, dropRedisPrefix, flag, fmt, freshDatabase, log, machine, mb, pg, procStat, Proc, sleep, startApp, startWorker, stop,
  writeReport,
} from '../support/bench-process';
import { createBlast, ledger, organizerApi, ORG_SETTINGS } from '../support/blast-run';
import { SmtpSinkProcess } from '../support/smtp-sink-process';

const DATABASE = 'cloture_bench_million';
const ROWS = arg('--rows', 1_000_000);
const SEND_SECONDS = arg('--send-seconds', 300);
const PORT = arg('--port', 3396);

async function main(): Promise<void> {
  const startedIso = new Date().toISOString();
  buildApp();
  const machineLine = machine();
  const reuse = !flag('--reseed') && (await databaseExists(DATABASE));
  if (!reuse) await freshDatabase(DATABASE);
  await dropRedisPrefix(`bench_${DATABASE}`);
  const sink = await new SmtpSinkProcess().start();
  const env = {
    SMTP_URL: `${sink.url}?ignoreTLS=true`,
    SMTP_POOL_SIZE: '5',
    SEND_RATE_PER_SECOND: '100000',
    SEND_BATCH_SIZE: '500',
    BLAST_RECONCILE_INTERVAL_MS: '5000',
    LOG_LEVEL: 'warn',
  };
  const api = await startApp(DATABASE, PORT, env, false);
  const db = await pg(DATABASE);
  const call = organizerApi(PORT);
  let worker: Proc | undefined;
  try {
    await call('PATCH', '/api/v1/settings', ORG_SETTINGS);
    const topics = await call('GET', '/api/v1/topics');
    const topic = (Array.isArray(topics) ? topics : topics.items ?? []).find((t: { name: string }) => t.name === 'Election security') ?? (await call('POST', '/api/v1/topics', { name: 'Election security' }));
    const [{ n: have }] = (await db.query(`SELECT count(*)::int AS n FROM subscribers`)).rows;
    if (have < ROWS) {
      log(`seeding ${fmt(ROWS)} subscribers, topic opt-outs and an earlier blast (300,000 deliveries three days ago)`);
      await db.query(`TRUNCATE blast_deliveries, subscribers CASCADE`);
      for (let from = 1; from <= ROWS; from += 250_000) {
        await db.query(
          `INSERT INTO subscribers (email, first_name, zip, state, status, frequency, tags, source, created_at)
           SELECT 'm' || i || '@example.org',
                  CASE WHEN i % 4 = 0 THEN NULL ELSE 'Person' || i END,
                  lpad(((i::bigint * 7919) % 99999)::text, 5, '0'),
                  (ARRAY['CA','TX','FL','NY','PA','IL','OH','GA','NC','MI','CO','AZ','WA','MA','VA','SD'])[1 + (i * 31) % 16],
                  CASE WHEN i % 100 < 85 THEN 'subscribed' WHEN i % 100 < 90 THEN 'unconfirmed' WHEN i % 100 < 97 THEN 'unsubscribed' WHEN i % 100 < 99 THEN 'bounced' ELSE 'complained' END,
                  CASE WHEN (i * 13) % 100 < 80 THEN 'all' WHEN (i * 13) % 100 < 90 THEN 'weekly' WHEN (i * 13) % 100 < 96 THEN 'monthly' ELSE 'important_only' END,
                  CASE WHEN (i * 17) % 100 < 40 THEN ARRAY['newsletter'] ELSE ARRAY[]::text[] END,
                  'bench', now() - ((i % 1000) || ' days')::interval
             FROM generate_series($1::int, $2::int) i`,
          [from, Math.min(ROWS, from + 249_999)],
        );
      }
      const earlier = await createBlast(call, { name: 'Earlier blast (seeded)' });
      await db.query(`UPDATE blasts SET status = 'sent', started_at = now() - interval '3 days', frozen_at = now() - interval '3 days', finished_at = now() - interval '3 days' WHERE id = $1`, [earlier]);
      await db.query(
        `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, seq, sent_at, created_at)
         SELECT $1, id, 'sent', row_number() OVER () - 1, now() - interval '3 days', now() - interval '3 days'
           FROM subscribers WHERE status = 'subscribed' ORDER BY id LIMIT 300000`,
        [earlier],
      );
      await db.query('VACUUM ANALYZE');
    }
    // Every run starts from the same state: 3 % opted out of the topic, no deliveries from earlier runs of this bench.
    await db.query(`DELETE FROM subscriber_topic_opt_outs`);
    await db.query(`INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) SELECT id, $1 FROM subscribers WHERE abs(hashtext(id::text)) % 100 < 3`, [topic.id]);
    await db.query(`DELETE FROM blast_deliveries WHERE blast_id IN (SELECT id FROM blasts WHERE name = 'PERF-2 million')`);
    await db.query(`DELETE FROM blasts WHERE name = 'PERF-2 million'`);
    await db.query('VACUUM ANALYZE blast_deliveries');
    const segment = await call('POST', '/api/v1/segments', {
      name: `PERF-2 ${Date.now()}`,
      rules: { or: [{ tag: 'newsletter' }, { state: ['CA', 'TX', 'NY', 'CO'] }] },
    });
    const preview = await call('POST', `/api/v1/segments/preview`, { rules: segment.rules }).catch(() => undefined);

    worker = await startWorker('worker', DATABASE, env);
    const blastId = await createBlast(call, { name: 'PERF-2 million', segmentId: segment.id, topicId: topic.id });
    const rssSeries: { t: number; rss: number; sent: number }[] = [];
    const cpu0 = procStat(worker.child.pid!)!.cpuMs;
    // frozen_at is now() of the freeze transaction (its start), so the end is observed by polling every 50 ms.
    const sentAt = Date.now();
    await call('POST', `/api/v1/blasts/${blastId}/send`);
    let frozenSeen = 0;
    while (!frozenSeen && Date.now() - sentAt < 10 * 60_000) {
      await sleep(50);
      if ((await db.query(`SELECT frozen_at FROM blasts WHERE id = $1`, [blastId])).rows[0].frozen_at) frozenSeen = Date.now();
    }
    if (!frozenSeen) throw new Error('not frozen after 10 minutes');
    const freezeSeconds = (frozenSeen - sentAt) / 1000;
    const audience = (
      await db.query(`SELECT coalesce(skip_reason, status) AS k, count(*)::int AS n FROM blast_deliveries WHERE blast_id = $1 GROUP BY 1 ORDER BY 2 DESC`, [blastId])
    ).rows;
    log(`frozen in ${freezeSeconds.toFixed(2)} s: ${audience.map((r) => `${r.k} ${fmt(r.n)}`).join(', ')}`);

    const t0 = Date.now();
    while (Date.now() - t0 < SEND_SECONDS * 1000) {
      await sleep(1000);
      const s = procStat(worker.child.pid!);
      if (!s) throw new Error(`worker died:\n${worker.output.join('').slice(-3000)}`);
      const l = await ledger(db, blastId);
      rssSeries.push({ t: Math.round((Date.now() - t0) / 1000), rss: s.rss, sent: l.sent });
      if (rssSeries.length % 30 === 0) log(`${rssSeries[rssSeries.length - 1].t} s: ${fmt(l.sent)} sent, worker RSS ${mb(s.rss)}`);
      if (l.status === 'sent') break;
    }
    const cpu = procStat(worker.child.pid!)!.cpuMs - cpu0;
    await call('POST', `/api/v1/blasts/${blastId}/pause`).catch(() => undefined);
    const last = rssSeries[rssSeries.length - 1];
    const at = (f: number) => rssSeries[Math.min(rssSeries.length - 1, Math.floor(f * (rssSeries.length - 1)))];
    const tail = rssSeries.slice(Math.floor(rssSeries.length / 4));
    const pick = [0.05, 0.25, 0.5, 0.75, 1].map(at);
    const report = [
      `### PERF-2 one million subscribers — ${startedIso}`,
      '',
      `Command: \`npm run bench:million -- --send-seconds ${SEND_SECONDS}\` · api, worker and SMTP sink each their own process (one worker, SMTP_POOL_SIZE=5, rate limit far above reach) · ${machineLine}`,
      '',
      `Freeze (segment: newsletter OR state in CA/TX/NY/CO; topic rule; weekly/monthly/important-only caps with 300,000 people reached three days earlier): **${freezeSeconds.toFixed(1)} s** from POST /send until frozen_at is set (polled every 50 ms: includes queueing the freeze job). Ledger rows: ${audience.map((r) => `${r.k} ${fmt(r.n)}`).join(', ')}${preview ? ` (segment preview count: ${fmt(preview.count ?? preview.total ?? NaN)})` : ''}.`,
      '',
      `Sending for ${last.t} s: ${fmt(last.sent)} messages (${fmt(last.sent / Math.max(1, last.t))} msg/s), worker CPU ${(cpu / Math.max(1, last.sent)).toFixed(2)} ms/msg. Worker RSS, sampled every second: ${pick.map((p) => `${p.t} s ${mb(p.rss)} (${fmt(p.sent)} sent)`).join(' · ')}; after the first quarter min ${mb(Math.min(...tail.map((s) => s.rss)))}, max ${mb(Math.max(...tail.map((s) => s.rss)))}.`,
      ...(last.sent < audience.reduce((n, r) => n + (r.k === 'pending' ? r.n : 0), 0) ? [`(Stopped after ${last.t} s and paused the blast: the whole audience would take about ${fmt(audience.find((r) => r.k === 'pending')?.n / Math.max(1, last.sent / last.t) / 60)} min at this rate on this machine.)`] : []),
    ].join('\n');
    console.log(`\n${report}\n`);
    log(`report appended to ${writeReport('million', report)}`);
    log(`RSS series (s, MB, sent): ${rssSeries.map((s) => `${s.t}:${(s.rss / 2 ** 20).toFixed(0)}:${s.sent}`).join(' ')}`);
  } finally {
    await stop(worker);
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
