/**
 * REL-2: a bounded, seeded run of hostile requests over every public endpoint of the built app (a real process).
 *
 *   npm run bench:fuzz                       # 10,000 requests, seed 9, 8 in flight
 *   npm run bench:fuzz -- --requests 2000 --seed 7 --concurrency 4 --no-build
 *
 * Endpoints: petition sign (JSON, form, wrong content types), petition JSON and page (GET/HEAD, POST form),
 * preferences GET/HEAD/POST, unsubscribe GET/HEAD/POST (one-click, multipart), confirmation pages, bounce/DSN/SES
 * webhooks. Mutations: wrong types, missing and extra fields, prototype keys, huge strings, oversized and deeply
 * nested bodies, invalid JSON, bad UTF-8, bad percent-encoding, wrong content types, SQL/HTML/template injection,
 * tampered tokens, forged signatures, hostile X-Forwarded-For. The generator is test/support/fuzz.ts (the test
 * suite runs 300 of the same requests).
 *
 * Verdict: 0 answers >= 500 (and no dropped connection), no injected HTML reflected unescaped, 0 rows that an
 * accepted request does not explain (every table counted before and after), and the app still serving (a public page,
 * an organizer read, readiness) 3 s after the last request, past several background rounds. Prototype keys go
 * through every parser: JSON, urlencoded (bracket and dot notation), multipart field names, query strings.
 * Exit code 1 on a failed verdict.
 */
import { ConfirmationTokenService } from '../../src/double-opt-in/confirmation-token.service';
import { UnsubscribeTokenService } from '../../src/preferences/unsubscribe-token.service';
import type { Env } from '../../src/core/config/env';
import { describeFindings, fuzzBaseline, fuzzRequests, fuzzVerdict, prototypeSweep, runFuzz } from '../../test/support/fuzz';
import { createFuzzFixtures, FUZZ_APP_ENV } from '../../test/support/fuzz-fixtures';
import { ADMIN_KEY, arg, buildApp, dropRedisPrefix, fmt, freshDatabase, log, machine, pg, startApp, stop, TOKEN_SECRET, writeReport } from '../support/bench-process';

const DATABASE = 'cloture_bench_fuzz';
const REQUESTS = arg('--requests', 10_000);
const SEED = arg('--seed', 9);
const CONCURRENCY = arg('--concurrency', 8);
const PORT = arg('--port', 3391);

async function main(): Promise<void> {
  const startedAtIso = new Date().toISOString();
  buildApp();
  const machineLine = machine();
  await freshDatabase(DATABASE);
  await dropRedisPrefix(`bench_${DATABASE}`);
  const app = await startApp(DATABASE, PORT, { ...FUZZ_APP_ENV, LOG_LEVEL: 'error' });
  const db = await pg(DATABASE);
  const base = `http://127.0.0.1:${PORT}`;
  try {
    const secrets = { tokenSecret: TOKEN_SECRET, TOKEN_PREVIOUS_SECRETS: [] } as unknown as Env;
    const links = new UnsubscribeTokenService(secrets);
    const confirmations = new ConfirmationTokenService(secrets);
    const query = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
    const ctx = await createFuzzFixtures(
      {
        api: async (method, path, body) => {
          const res = await fetch(base + path, {
            method,
            headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
        },
        query,
        signLink: (claims) => links.sign(claims),
        signConfirmation: (id) => confirmations.sign(id),
        webhookSecret: FUZZ_APP_ENV.BOUNCE_WEBHOOK_SECRET,
      },
      `s${SEED}`,
    );
    const before = await fuzzBaseline(query);
    const startedAt = (await query(`SELECT now() AS now`))[0].now as Date;
    log(`fuzzing ${fmt(REQUESTS)} requests (seed ${SEED}, ${CONCURRENCY} in flight)`);
    let done = 0;
    const t0 = Date.now();
    // The prototype-key sweep (every key × parser × endpoint) first, then the seeded random stream.
    const results = await runFuzz(base, (function* () {
      yield* prototypeSweep(ctx);
      yield* fuzzRequests(ctx, REQUESTS, SEED);
    })(), CONCURRENCY, () => {
      if (++done % 1000 === 0) log(`${fmt(done)} sent`);
    });
    const seconds = (Date.now() - t0) / 1000;
    const verdict = await fuzzVerdict(query, startedAt, before, results);
    const endpoints = new Map<string, { n: number; statuses: Map<number, number> }>();
    for (const r of results) {
      const e = endpoints.get(r.request.endpoint) ?? { n: 0, statuses: new Map() };
      e.n++;
      e.statuses.set(r.status, (e.statuses.get(r.status) ?? 0) + 1);
      endpoints.set(r.request.endpoint, e);
    }
    if (verdict.serverErrors.length) {
      const logged = app.output.join('').split('\n').filter((l) => /"level":50|error/i.test(l)).slice(-10);
      console.log(`app error log (last 10):\n${logged.map((l) => l.slice(0, 3000)).join('\n')}`);
    }
    if (app.child.exitCode !== null || app.child.signalCode !== null) console.log(`APP DIED (${app.child.exitCode ?? app.child.signalCode}):\n${app.output.join('').slice(-6000)}`);
    // Shared-state damage (a polluted prototype) kills the process seconds later, in a background round: wait for
    // several reconcile rounds, then the app must still answer a public page, an organizer read and readiness.
    await new Promise((r) => setTimeout(r, 3000));
    const answers = async (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers }).then((r) => r.ok, () => false);
    const appAlive =
      app.child.exitCode === null &&
      (await answers('/health/ready')) &&
      (await answers(`/p/${ctx.slug}`)) &&
      (await answers('/api/v1/settings', { authorization: `Bearer ${ADMIN_KEY}` }));
    const pass = verdict.serverErrors.length === 0 && verdict.transportErrors.length === 0 && verdict.reflected.length === 0 && Object.keys(verdict.strayRows).length === 0 && appAlive;

    const lines = [
      `### REL-2 fuzz — ${startedAtIso}`,
      '',
      `Command: \`npm run bench:fuzz -- --requests ${REQUESTS} --seed ${SEED} --concurrency ${CONCURRENCY}\` · built app as its own process (\`node bench/out/dist/main.js --with-worker\`, database ${DATABASE}) · ${machineLine}`,
      '',
      `**Verdict: ${pass ? 'PASS' : 'FAIL'}** — ${fmt(verdict.requests)} requests in ${seconds.toFixed(1)} s; answers ≥ 500: ${verdict.serverErrors.length}; dropped connections/timeouts: ${verdict.transportErrors.length} (plus ${verdict.closedEarly} oversized bodies refused before the client finished sending, as expected); HTML injection reflected unescaped: ${verdict.reflected.length}; stray rows: ${Object.keys(verdict.strayRows).length ? JSON.stringify(verdict.strayRows) : '0'}; app healthy afterwards: ${appAlive ? 'yes' : 'NO'}.`,
      '',
      `Accepted signatures: ${verdict.acceptedSignatures} (each one's address is the only kind of new subscriber/signature row found). Row changes: ${JSON.stringify(verdict.rowDeltas)}. Statuses: ${JSON.stringify(verdict.byStatus)}.`,
      '',
      '| endpoint | requests | statuses |',
      '|---|---:|---|',
      ...[...endpoints.entries()].sort().map(([k, v]) => `| ${k} | ${v.n} | ${[...v.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s || 'error'}×${n}`).join(' ')} |`),
    ];
    const findings = [...verdict.serverErrors, ...verdict.transportErrors, ...verdict.reflected];
    if (findings.length) lines.push('', 'Findings (count × status endpoint [mutation]: example request):', '', ...describeFindings(findings, 40).map((l) => `- \`${l.replace(/`/g, "'")}\``));
    const report = lines.join('\n');
    console.log(`\n${report}\n`);
    log(`report appended to ${writeReport('fuzz', report)}`);
    if (!pass) process.exitCode = 1;
  } finally {
    await db.end();
    await stop(app);
    await dropRedisPrefix(`bench_${DATABASE}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
