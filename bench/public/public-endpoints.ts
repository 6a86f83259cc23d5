/**
 * PERF-4: public petition signing and RFC 8058 one-click unsubscribe under load, from a second process, with
 * baselines measured in the same run.
 *
 *   npm run bench:public                                   # c=50, 10 s per scenario, 3 rounds (medians)
 *   npm run bench:public -- --seconds 5 --connections 50 --rounds 1 --no-build
 *
 * The app runs as a built process (`node bench/out/dist/main.js --with-worker`, database cloture_bench_public, its own
 * Redis prefix), with TRUST_PROXY on and a random X-Forwarded-For per request, so the per-IP limits stay in the path
 * without being what is measured. The load generator (autocannon) and the raw pg baselines run in this process.
 *
 * Scenarios per round:
 *   health       GET /health — the trivial route on the same app (HTTP + framework floor)
 *   sign         POST /api/v1/public/petitions/:slug/signatures, JSON, a new address per request, opted in
 *   sign (pg)    the same transaction with raw `pg` (pool of 10, 50 concurrent loops): look up the subscriber,
 *                upsert it, insert the signature, its targets, bump the counter shard
 *   one-click    POST /unsubscribe/:token, body List-Unsubscribe=One-Click, a new subscriber's token per request
 *   one-click (pg) the same UNSUBSCRIBE_SQL statement the app runs, raw `pg`
 * Afterwards: every address answered 2xx has exactly one signature and no other address has one (requests in flight
 * when a scenario stopped are reported apart); every 2xx one-click left its subscriber unsubscribed with exactly one
 * unsubscribe event.
 */
import { Pool } from 'pg';
import { Env } from '../../src/core/config/env';
import { INCREMENT_SIGNATURE_COUNT_SQL, INSERT_SIGNATURE_SQL, INSERT_SIGNATURE_TARGETS_SQL } from '../../src/petitions/petition-queries';
import { UNSUBSCRIBE_SQL } from '../../src/preferences/preference-queries';
import { UnsubscribeTokenService } from '../../src/preferences/unsubscribe-token.service';
import {
  ADMIN_KEY, arg, buildApp, dbUrl, dropRedisPrefix, fmt, freshDatabase, log, machine, median, pg, procStat, startApp, stop, TOKEN_SECRET, writeReport,
} from '../support/bench-process';

const autocannon = require('autocannon');

const DATABASE = 'cloture_bench_public';
const SECONDS = arg('--seconds', 10);
const CONNECTIONS = arg('--connections', 50);
const ROUNDS = arg('--rounds', 3);
const PORT = arg('--port', 3393);
const SUBSCRIBERS = arg('--subscribers', 300_000);
const BLAST_ID = '6f1d3c2a-9b8e-4c7d-a6f5-e4d3c2b1a090';

interface Figures {
  rps: number;
  /** CPU time of the app process (or, for raw pg, of this process) per request, ms. */
  cpuMs: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
}

let appPid = 0;
const randomIp = () => `10.${(Math.random() * 256) | 0}.${(Math.random() * 256) | 0}.${1 + ((Math.random() * 254) | 0)}`;

/** One autocannon scenario; `next` gives each request its path/body and a key to track its answer by. */
async function load(
  name: string,
  method: 'GET' | 'POST',
  next: () => { path: string; body?: string; contentType?: string; key?: string },
  answers?: Map<string, number>,
): Promise<Figures> {
  const cpu0 = procStat(appPid)!.cpuMs;
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    pipelining: 1,
    requests: [
      {
        method,
        setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
          const n = next();
          context.key = n.key;
          return {
            ...req,
            path: n.path,
            body: n.body,
            headers: { 'x-forwarded-for': randomIp(), ...(n.contentType ? { 'content-type': n.contentType } : {}) },
          };
        },
        onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
          if (answers && typeof context.key === 'string') answers.set(context.key, status);
        },
      },
    ],
  });
  const f = {
    rps: result.requests.average,
    cpuMs: (procStat(appPid)!.cpuMs - cpu0) / Math.max(1, result['2xx'] + result.non2xx),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  log(`${name}: ${fmt(f.rps)} req/s, app CPU ${f.cpuMs.toFixed(2)} ms/req, p50 ${f.p50} ms, p99 ${f.p99} ms, 2xx ${f.ok}, non-2xx ${f.non2xx}, errors ${f.errors}`);
  return f;
}

/** `CONNECTIONS` loops running `tx` back to back for SECONDS over a pool of 10 (the app's pool size). */
async function rawLoop(name: string, pool: Pool, tx: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const lane = async () => {
    while (Date.now() < deadline) {
      const t = process.hrtime.bigint();
      try {
        await tx(i++);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      } catch {
        errors++;
      }
    }
  };
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  const cpu = process.cpuUsage(cpu0);
  const s = latencies.sort((a, b) => a - b);
  const f = {
    rps: latencies.length / ((Date.now() - t0) / 1000),
    cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    p50: s[Math.floor(s.length * 0.5)] ?? NaN,
    p99: s[Math.floor(s.length * 0.99)] ?? NaN,
    ok: latencies.length,
    non2xx: 0,
    errors,
  };
  log(`${name}: ${fmt(f.rps)} tx/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, ${f.ok} tx, errors ${errors}`);
  return f;
}

async function main(): Promise<void> {
  const startedIso = new Date().toISOString();
  buildApp();
  const machineLine = machine();
  await freshDatabase(DATABASE);
  await dropRedisPrefix(`bench_${DATABASE}`);
  const app = await startApp(DATABASE, PORT, {
    TRUST_PROXY: 'true',
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000000',
    PETITION_SIGNATURES_PER_IP_PER_DAY: '100000000',
    LOG_LEVEL: 'warn',
  });
  appPid = app.child.pid!;
  const db = await pg(DATABASE);
  const pool = new Pool({ connectionString: dbUrl(DATABASE), max: 10 });
  try {
    const api = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const petition = await api('POST', '/api/v1/petitions', {
      slug: 'bench-hold-the-vote',
      title: 'Tell Senate leadership: hold the vote',
      body: 'The bill has the votes. **Schedule it.**',
      targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
      goal: 1_000_000,
    });
    const rawPetition = await api('POST', '/api/v1/petitions', {
      slug: 'bench-raw-baseline',
      title: 'Baseline petition',
      body: 'Raw pg baseline.',
      targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
    });
    // The senators a Colorado signer addresses (leader + own two), as the app resolves them.
    const addressed = await db.query(
      `SELECT bioguide_id AS "bioguideId", NULL AS role FROM legislators WHERE state = 'CO' AND chamber = 'senate' AND in_office
       UNION ALL SELECT bioguide_id, role FROM leadership_roles WHERE role = 'majority_leader'`,
    );
    const targetsJson = JSON.stringify(addressed.rows);

    log(`seeding ${fmt(SUBSCRIBERS)} subscribers for one-click tokens`);
    await db.query(
      `INSERT INTO subscribers (email, first_name, status, source)
       SELECT 'oneclick-' || i || '@example.org', 'P' || i, 'subscribed', 'bench' FROM generate_series(1, $1::int) i`,
      [SUBSCRIBERS],
    );
    const ids = (await db.query(`SELECT id FROM subscribers WHERE source = 'bench' ORDER BY email`)).rows.map((r) => r.id as string);
    await db.query('VACUUM ANALYZE subscribers');
    const tokens = new UnsubscribeTokenService({ tokenSecret: TOKEN_SECRET, TOKEN_PREVIOUS_SECRETS: [] } as unknown as Env);
    let nextSubscriber = 0;
    const takeSubscriber = () => {
      if (nextSubscriber >= ids.length) throw new Error('out of seeded subscribers: raise --subscribers');
      return ids[nextSubscriber++];
    };

    const signAnswers = new Map<string, number>();
    const unsubAnswers = new Map<string, number>();
    const rounds: Record<string, Figures[]> = { health: [], sign: [], signPg: [], oneClick: [], oneClickPg: [] };
    let signer = 0;
    let rawSigner = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      rounds.health.push(await load('GET /health', 'GET', () => ({ path: '/health' })));
      rounds.sign.push(
        await load(
          'POST sign',
          'POST',
          () => {
            const email = `signer-${++signer}@example.org`;
            return {
              path: `/api/v1/public/petitions/${petition.slug}/signatures`,
              body: JSON.stringify({ email, firstName: 'Ada', lastName: 'Lovelace', zip: '80202', optIn: true }),
              contentType: 'application/json',
              key: email,
            };
          },
          signAnswers,
        ),
      );
      rounds.signPg.push(
        await rawLoop('raw pg sign transaction', pool, async () => {
          const email = `raw-${++rawSigner}@example.org`;
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            await c.query(`SELECT id, status FROM subscribers WHERE lower(email) = lower($1)`, [email]);
            const sub = await c.query(
              `INSERT INTO subscribers (email, first_name, last_name, zip, state, status, source, consent_at, consent_source, consent_text)
               VALUES ($1, 'Ada', 'Lovelace', '80202', 'CO', 'subscribed', 'petition:bench', now(), 'petition:bench', 'Yes')
               ON CONFLICT ((lower(email))) DO UPDATE SET updated_at = now() RETURNING id`,
              [email],
            );
            const sig = await c.query(INSERT_SIGNATURE_SQL, [rawPetition.id, sub.rows[0].id, email, 'Ada', 'Lovelace', '80202', 'CO', null, true, null, null]);
            if (sig.rows[0]) {
              await c.query(INSERT_SIGNATURE_TARGETS_SQL, [sig.rows[0].id, targetsJson]);
              await c.query(INCREMENT_SIGNATURE_COUNT_SQL, [rawPetition.id, Math.floor(Math.random() * 16)]);
            }
            await c.query('COMMIT');
          } catch (e) {
            await c.query('ROLLBACK').catch(() => undefined);
            throw e;
          } finally {
            c.release();
          }
        }),
      );
      rounds.oneClick.push(
        await load(
          'POST one-click unsubscribe',
          'POST',
          () => {
            const id = takeSubscriber();
            return {
              path: `/unsubscribe/${tokens.sign({ subscriberId: id, purpose: 'unsubscribe', blastId: BLAST_ID })}`,
              body: 'List-Unsubscribe=One-Click',
              contentType: 'application/x-www-form-urlencoded',
              key: id,
            };
          },
          unsubAnswers,
        ),
      );
      rounds.oneClickPg.push(
        await rawLoop('raw pg UNSUBSCRIBE_SQL', pool, async () => {
          await pool.query(UNSUBSCRIBE_SQL, [takeSubscriber(), BLAST_ID, 'one-click']);
        }),
      );
    }

    // Let the last in-flight requests finish before reading the database.
    await new Promise((r) => setTimeout(r, 2000));
    const signed = new Set((await db.query(`SELECT lower(email) AS e FROM petition_signatures WHERE petition_id = $1`, [petition.id])).rows.map((r) => r.e as string));
    const answered2xx = [...signAnswers.entries()].filter(([, s]) => s >= 200 && s < 300).map(([e]) => e);
    const answeredOther = [...signAnswers.entries()].filter(([, s]) => s < 200 || s >= 300).map(([e]) => e);
    const missingSignatures = answered2xx.filter((e) => !signed.has(e)).length;
    const signedDespiteError = answeredOther.filter((e) => signed.has(e)).length;
    const signedUnanswered = [...signed].filter((e) => !signAnswers.has(e)).length;
    const [{ n: dupSignatures }] = (await db.query(
      `SELECT count(*)::int AS n FROM (SELECT lower(email) FROM petition_signatures WHERE petition_id = $1 GROUP BY 1 HAVING count(*) > 1) d`,
      [petition.id],
    )).rows;
    const [{ n: counter }] = (await db.query(`SELECT coalesce(sum(count), 0)::int AS n FROM petition_signature_counts WHERE petition_id = $1`, [petition.id]).catch(() => ({ rows: [{ n: signed.size }] }))).rows;

    const unsubIds = [...unsubAnswers.entries()].filter(([, s]) => s >= 200 && s < 300).map(([id]) => id);
    const state = (await db.query(
      `SELECT s.id, s.status, (SELECT count(*)::int FROM unsubscribe_events e WHERE e.subscriber_id = s.id) AS events
         FROM subscribers s WHERE s.id = ANY ($1::uuid[])`,
      [unsubIds],
    )).rows;
    const notUnsubscribed = state.filter((r) => r.status !== 'unsubscribed').length;
    const notOnce = state.filter((r) => r.events !== 1).length;

    const m = (k: string, f: keyof Figures) => median(rounds[k].map((r) => r[f]));
    const row = (label: string, k: string, base?: string) =>
      `| ${label} | ${fmt(m(k, 'rps'))} | ${m(k, 'p50').toFixed(1)} | ${m(k, 'p99').toFixed(1)} | ${rounds[k].map((r) => fmt(r.rps)).join(' / ')} | ${base ? `${(m(k, 'rps') / m(base, 'rps')).toFixed(2)}` : ''} | ${m(k, 'cpuMs').toFixed(2)} | ${rounds[k].reduce((n, r) => n + r.non2xx + r.errors, 0)} |`;
    const signOk = missingSignatures === 0 && signedDespiteError === 0 && dupSignatures === 0 && counter === signed.size;
    const unsubOk = notUnsubscribed === 0 && notOnce === 0;
    const report = [
      `### PERF-4 public endpoints — ${startedIso}`,
      '',
      `Command: \`npm run bench:public -- --seconds ${SECONDS} --connections ${CONNECTIONS} --rounds ${ROUNDS}\` · app: \`node bench/out/dist/main.js --with-worker\` (own process, pool 10, LOG_LEVEL=warn, thank-you mails written to the outbox by the in-process worker) · load: autocannon in a second process, c=${CONNECTIONS}, ${SECONDS} s per scenario, pipelining 1 · ${machineLine}`,
      '',
      '| scenario | req/s (median) | p50 ms | p99 ms | req/s per round | ratio to /health | CPU ms/req | non-2xx + errors |',
      '|---|---:|---:|---:|---|---:|---:|---:|',
      row('GET /health (trivial route, same app)', 'health'),
      row('POST sign (JSON, new signer, opt-in)', 'sign', 'health'),
      row('raw pg: the sign transaction (tx/s)', 'signPg'),
      row('POST /unsubscribe/:token one-click (new subscriber)', 'oneClick', 'health'),
      row('raw pg: UNSUBSCRIBE_SQL (tx/s)', 'oneClickPg'),
      '',
      `Ratios: sign / health ${(m('sign', 'rps') / m('health', 'rps')).toFixed(2)}, sign / raw pg ${(m('sign', 'rps') / m('signPg', 'rps')).toFixed(2)}; one-click / health ${(m('oneClick', 'rps') / m('health', 'rps')).toFixed(2)}, one-click / raw pg ${(m('oneClick', 'rps') / m('oneClickPg', 'rps')).toFixed(2)}.`,
      '',
      'CPU ms/req: the app process\'s user+system time per answered request (for the raw pg rows: the bench process\'s, i.e. the client side only); PostgreSQL\'s and Redis\'s CPU are in neither. On a machine this loaded, CPU per request is the steadier figure.',
      '',
      `Check signatures: ${signOk ? 'PASS' : 'FAIL'} — ${fmt(answered2xx.length)} answered 2xx, ${fmt(signed.size)} signatures; 2xx without a signature: ${missingSignatures}; non-2xx with a signature: ${signedDespiteError}; duplicates: ${dupSignatures}; counter shards sum ${fmt(counter)}; signed but unanswered (in flight when a scenario stopped): ${signedUnanswered}.`,
      `Check one-click: ${unsubOk ? 'PASS' : 'FAIL'} — ${fmt(unsubIds.length)} answered 2xx; not unsubscribed afterwards: ${notUnsubscribed}; without exactly one unsubscribe event: ${notOnce}.`,
    ].join('\n');
    console.log(`\n${report}\n`);
    log(`report appended to ${writeReport('public', report)}`);
    if (!signOk || !unsubOk) process.exitCode = 1;
  } finally {
    await pool.end();
    await db.end();
    await stop(app);
    await dropRedisPrefix(`bench_${DATABASE}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
