/// <reference lib="dom" />
/**
 * The console's time to first render (issue 14, goal ≤ 1 s each) of (a) the blast list and (b) a sent blast's stats
 * page, against 1,000,000 subscribers and one sent blast with 500,000 recipients in its ledger.
 *
 *   npm run build && npm run bench:console:render             # seeds once, reuses the seeded database afterwards
 *   npm run bench:console:render -- --reseed                   # drop and seed again
 *   npm run bench:console:render -- --runs 5 --no-results      # warm runs per page (default 5); skip RESULTS.md/README
 *
 * Database: cloture_bench_console (never the dev one), migrated with the real migrations and seeded set-based
 * (INSERT … SELECT generate_series): 1,000,000 subscribers, 20 small blasts (drafts, scheduled, sent, cancelled,
 * paused; started ones with 10 ledger rows) and the big sent blast (500,000 rows: ~89 % sent over one hour, ~11 %
 * skipped with reasons, 0.1 % failed), then VACUUM ANALYZE. The app is the built `dist/main.js` (api only, the
 * console from dist/console), run as a process on a free port; an admin is made with `dist/cli.js users:create` and
 * the invite accepted through POST /api/v1/auth/accept-invite; Chromium (playwright-core) signs in through the form.
 *
 * A run is a new page navigated to the page's URL; the time is from navigation start (performance.timeOrigin) to the
 * moment the page's data is in the DOM, seen by a MutationObserver installed before the page's scripts run:
 *   list  — every blast row rendered and no count cell still showing "…" (the per-row stats have all arrived);
 *   stats — the Sent figure, the sent-over-time chart and the first ledger rows all rendered.
 * "first" is the first navigation to the page after the app started, in a fresh browser context (empty HTTP cache);
 * the warm runs are new pages in the same context. Each API call's duration comes from the page's resource timing.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { NODE_FLAGS } from '../../test/support/process';
import { args, benchEnv, databaseExists, dbUrl, flag, freePort, freshMigratedDatabase, median, pg, waitFor } from '../support/bench-process';

const ROOT = join(__dirname, '..', '..');
const DB = 'cloture_bench_console';
const SUBSCRIBERS = 1_000_000;
const LEDGER = 500_000;
const SMALL_BLASTS = 20;
const RUNS = (() => {
  const i = args.indexOf('--runs');
  return i >= 0 && Number(args[i + 1]) > 0 ? Number(args[i + 1]) : 5;
})();
const PASSWORD = 'bench console password 0123456789';
const BIG_NAME = 'October push (500k)';

const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function seed(): Promise<void> {
  log(`creating ${DB} with the real migrations`);
  await freshMigratedDatabase(dbUrl(DB));
  const c = await pg(DB);
  try {
    let t0 = Date.now();
    await c.query(
      `INSERT INTO subscribers (email, first_name, last_name, zip, state, tags, status, frequency, source, created_at)
       SELECT 'member' || i || '@example.org',
              (ARRAY['Ann','Bob','Carmen','Dan','Eve','Fay','Gus','Hana','Ivan','Jo'])[1 + i % 10],
              'Last' || (i % 997),
              lpad((i::bigint * 7919 % 100000)::text, 5, '0'),
              (ARRAY['CA','TX','FL','NY','PA','IL','OH','GA','CO','WA'])[1 + (i / 7) % 10],
              CASE WHEN i % 10 < 4 THEN '{newsletter}'::text[] WHEN i % 25 = 0 THEN '{volunteer}'::text[] ELSE '{}'::text[] END,
              CASE WHEN i % 100 < 85 THEN 'subscribed' WHEN i % 100 < 90 THEN 'unconfirmed' WHEN i % 100 < 97 THEN 'unsubscribed'
                   WHEN i % 100 < 99 THEN 'bounced' ELSE 'complained' END,
              CASE WHEN i % 10 < 8 THEN 'all' WHEN i % 10 = 8 THEN 'weekly' ELSE 'monthly' END,
              'import:bench',
              timestamptz '2026-11-22' - (i % 1095) * interval '1 day'
       FROM generate_series(1, $1) AS i`,
      [SUBSCRIBERS],
    );
    log(`${SUBSCRIBERS.toLocaleString('en-US')} subscribers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    t0 = Date.now();
    const statuses = ['draft', 'draft', 'draft', 'draft', 'draft', 'scheduled', 'scheduled', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'cancelled', 'cancelled', 'paused', 'draft', 'sent'];
    for (let i = 0; i < SMALL_BLASTS; i++) {
      const status = statuses[i % statuses.length];
      const started = ['sent', 'cancelled', 'paused'].includes(status);
      const {
        rows: [{ id }],
      } = await c.query(
        `INSERT INTO blasts (name, subject, html_body, status, scheduled_at, started_at, frozen_at, finished_at, cancelled_at, pause_reason, created_at)
         VALUES ($1, $2, '<p>Hello {{default firstName "Friend"}},</p>', $3,
                 CASE WHEN $3 = 'scheduled' THEN now() + interval '3 days' END,
                 CASE WHEN $4 THEN $5::timestamptz END, CASE WHEN $4 THEN $5::timestamptz END,
                 CASE WHEN $3 = 'sent' THEN $5::timestamptz + interval '2 minutes' END,
                 CASE WHEN $3 = 'cancelled' THEN $5::timestamptz + interval '1 minute' END,
                 CASE WHEN $3 = 'paused' THEN 'Paused by an organizer' END,
                 $5::timestamptz - interval '1 hour')
         RETURNING id`,
        [`Small blast ${i + 1}`, `Small subject ${i + 1}`, status, started, new Date(Date.UTC(2026, 9, 1) + i * 86_400_000 * 2).toISOString()],
      );
      if (started) {
        await c.query(
          `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, seq, attempts, sent_at, response_code, created_at, updated_at)
           SELECT $1, s.id, CASE WHEN $2 = 'sent' THEN 'sent' WHEN $2 = 'paused' AND rn > 10 THEN 'pending' WHEN $2 = 'cancelled' AND rn > 10 THEN 'cancelled' ELSE 'sent' END,
                  rn, 1, b.started_at + rn * interval '1 second', 250, b.started_at, b.started_at
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM subscribers WHERE email LIKE 'member' || $3::text || '_@example.org') s, blasts b
           WHERE b.id = $1`,
          [id, status, String(100 + i)],
        );
      }
    }
    await c.query(`UPDATE blast_deliveries SET sent_at = NULL WHERE status <> 'sent'`);

    const start = '2026-11-10T15:00:00Z';
    const {
      rows: [{ id: big }],
    } = await c.query(
      `INSERT INTO blasts (name, subject, html_body, status, started_at, frozen_at, finished_at, batch_size, batch_count, created_at)
       VALUES ($1, 'The Senate is stalling again', '<p>Hello {{default firstName "Friend"}},</p><p>Bring it to a vote.</p>', 'sent',
               $2::timestamptz, $2::timestamptz, $2::timestamptz + interval '1 hour', 1000, 500, $2::timestamptz - interval '1 day')
       RETURNING id`,
      [BIG_NAME, start],
    );
    log(`${SMALL_BLASTS} small blasts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    t0 = Date.now();
    // The ledger of the big blast: rn 1..500,000 over the first half million subscribers. rn % 1000 = 999 failed (0.1 %),
    // rn % 100 >= 89 skipped (~11 %, five reasons), the rest sent, sent_at spread over the hour.
    await c.query(
      `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, skip_reason, seq, attempts, sent_at, message_id, response_code, response, created_at, updated_at)
       SELECT $1, s.id, x.status,
              CASE WHEN x.status = 'skipped' THEN (ARRAY['not_subscribed','suppressed','topic_opt_out','frequency_cap','org_cap'])[1 + s.rn % 5] END,
              s.rn, CASE WHEN x.status = 'skipped' THEN 0 WHEN x.status = 'failed' THEN 3 ELSE 1 END,
              CASE WHEN x.status = 'sent' THEN $2::timestamptz + (s.rn::float8 / $3::int) * interval '1 hour' END,
              CASE WHEN x.status = 'sent' THEN '<' || s.rn || '.bench@cloture.example>' END,
              CASE x.status WHEN 'sent' THEN 250 WHEN 'failed' THEN 550 END,
              CASE x.status WHEN 'sent' THEN '250 2.0.0 OK queued' WHEN 'failed' THEN '550 5.1.1 mailbox unavailable' END,
              $2::timestamptz, $2::timestamptz + (s.rn::float8 / $3::int) * interval '1 hour'
       FROM (SELECT id, row_number() OVER (ORDER BY created_at DESC, id DESC) AS rn FROM subscribers ORDER BY created_at DESC, id DESC LIMIT $3::int) s
       CROSS JOIN LATERAL (SELECT CASE WHEN s.rn % 1000 = 999 THEN 'failed' WHEN s.rn % 100 >= 89 THEN 'skipped' ELSE 'sent' END AS status) x`,
      [big, start, LEDGER],
    );
    log(`${LEDGER.toLocaleString('en-US')} ledger rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    t0 = Date.now();
    await c.query('VACUUM ANALYZE');
    log(`VACUUM ANALYZE in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await c.end();
  }
}

async function dataSizes(): Promise<{ subscribers: number; blasts: number; bigId: string; ledger: Record<string, number>; dbSize: string }> {
  const c = await pg(DB);
  try {
    const subscribers = Number((await c.query('SELECT count(*) FROM subscribers')).rows[0].count);
    const blasts = Number((await c.query('SELECT count(*) FROM blasts')).rows[0].count);
    const bigId = (await c.query('SELECT id FROM blasts WHERE name = $1', [BIG_NAME])).rows[0]?.id as string;
    const ledger: Record<string, number> = {};
    for (const r of (await c.query('SELECT status, count(*)::int AS n FROM blast_deliveries WHERE blast_id = $1 GROUP BY status ORDER BY status', [bigId])).rows) ledger[r.status] = r.n;
    const dbSize = (await c.query('SELECT pg_size_pretty(pg_database_size(current_database())) AS s')).rows[0].s as string;
    return { subscribers, blasts, bigId, ledger, dbSize };
  } finally {
    await c.end();
  }
}

function startApi(port: number): { child: ChildProcess; output: string[] } {
  const child = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...benchEnv(DB, port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  return { child, output };
}

async function createAdmin(port: number): Promise<string> {
  const email = `bench-console-${Date.now()}@example.org`;
  const out = execFileSync(process.execPath, [...NODE_FLAGS, join(ROOT, 'dist', 'cli.js'), 'users:create', '--email', email, '--role', 'admin', '--name', 'Bench Admin'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...benchEnv(DB, port) },
  }).toString();
  const link = out.match(/https?:\/\/\S+#token=\S+/)?.[0];
  if (!link) throw new Error(`no sign-in link in users:create's output:\n${out}`);
  const token = new URL(link).hash.replace(/^#token=/, '');
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/accept-invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`accept-invite answered ${res.status}: ${await res.text()}`);
  return email;
}

/** Records, before any page script runs, the first moment (ms since navigation start) each named condition holds. */
const MARKS_SCRIPT = `(() => {
  const marks = (window.__marks = {});
  const checks = {
    listRows: () => {
      const rows = document.querySelectorAll('table tbody tr');
      if (!rows.length || !document.querySelector('h1') || document.querySelector('h1').textContent !== 'Blasts') return false;
      return [...document.querySelectorAll('table tbody td.num')].every((td) => td.textContent !== '…') && rows.length;
    },
    sentFigure: () => !!document.querySelector('[data-testid="sent-count"]'),
    chart: () => !!document.querySelector('figure.chart canvas, figure.chart svg, figure.chart .uplot'),
    ledgerRows: () => document.querySelectorAll('[data-testid="ledger"] tbody tr').length > 0,
  };
  const check = () => {
    for (const [k, f] of Object.entries(checks)) if (!(k in marks) && f()) marks[k] = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

interface Run {
  ms: number;
  marks: Record<string, number>;
  api: { path: string; ms: number; start: number }[];
}

async function measure(context: BrowserContext, url: string, done: string[]): Promise<Run> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction((keys: string[]) => keys.every((k) => k in ((window as any).__marks ?? {})), done, { timeout: 120_000, polling: 50 });
    const marks = (await page.evaluate(() => (window as any).__marks)) as Record<string, number>;
    const api = (await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => new URL(e.name).pathname.startsWith('/api/'))
        .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, ms: e.duration, start: e.startTime })),
    )) as Run['api'];
    return { ms: Math.max(...done.map((k) => marks[k])), marks, api };
  } finally {
    await page.close();
  }
}

async function signedInContext(browser: Browser, base: string, email: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(MARKS_SCRIPT);
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Blasts' }).waitFor();
  await page.close();
  return context;
}

const shortPath = (p: string, bigId: string) => p.replace(bigId, ':big').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id');

function slowest(runs: Run[], bigId: string): string {
  // The API call with the highest median duration over the runs (calls grouped by path, :id for the other blasts).
  const by = new Map<string, number[]>();
  for (const r of runs) for (const a of r.api) by.set(shortPath(a.path, bigId), [...(by.get(shortPath(a.path, bigId)) ?? []), a.ms]);
  const [path, xs] = [...by.entries()].sort((a, b) => median(b[1]) - median(a[1]))[0];
  return `\`GET ${path}\` median ${median(xs).toFixed(0)} ms (max ${Math.max(...xs).toFixed(0)})`;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  if (!existsFile(join(ROOT, 'dist', 'main.js')) || !existsFile(join(ROOT, 'dist', 'console', 'index.html'))) throw new Error('build first: npm run build');
  if (flag('--reseed') || !(await databaseExists(DB)) || !(await seeded())) await seed();
  else log(`reusing the seeded ${DB} (--reseed to seed again)`);
  const sizes = await dataSizes();
  log(`data: ${sizes.subscribers} subscribers, ${sizes.blasts} blasts, big ledger ${JSON.stringify(sizes.ledger)}, database ${sizes.dbSize}`);

  const port = await freePort();
  const api = startApi(port);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the api to answer /health', async () => {
    if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output.join('')}`);
    return (await fetch(`${base}/health`)).ok;
  }, 120_000, 200);
  const email = await createAdmin(port);
  log(`api on ${base}, signed-in admin ${email}`);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const pages = [
    { name: 'Blast list', url: `${base}/console`, done: ['listRows'] },
    { name: 'Stats page of the 500,000-recipient blast', url: `${base}/console/blasts/${sizes.bigId}`, done: ['sentFigure', 'chart', 'ledgerRows'] },
  ];
  const results: { name: string; first: Run; warm: Run[] }[] = [];
  try {
    for (const p of pages) {
      const cold = await signedInContext(browser, base, email);
      const first = await measure(cold, p.url, p.done);
      log(`${p.name}: first ${first.ms.toFixed(0)} ms ${JSON.stringify(roundAll(first.marks))}`);
      const warm: Run[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await measure(cold, p.url, p.done);
        warm.push(r);
        log(`${p.name}: warm ${i + 1} ${r.ms.toFixed(0)} ms ${JSON.stringify(roundAll(r.marks))}`);
      }
      await cold.close();
      results.push({ name: p.name, first, warm });
    }
  } finally {
    await browser.close();
    api.child.kill('SIGTERM');
  }

  const load1 = loadavg();
  const c = cpus();
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  const ledgerText = Object.entries(sizes.ledger).map(([s, n]) => `${n.toLocaleString('en-US')} ${s}`).join(', ');
  const table = [
    `| page | first (fresh context) | median of ${RUNS} warm | warm runs (ms) | within 1 s | slowest API call (over all ${RUNS + 1} runs) | API calls per load |`,
    '|---|---:|---:|---|---|---|---:|',
    ...results.map((r) => {
      const m = median(r.warm.map((w) => w.ms));
      const all = [r.first, ...r.warm];
      const parts =
        r.name.startsWith('Stats') ? ` (figures ${median(r.warm.map((w) => w.marks.sentFigure)).toFixed(0)}, chart ${median(r.warm.map((w) => w.marks.chart)).toFixed(0)}, ledger ${median(r.warm.map((w) => w.marks.ledgerRows)).toFixed(0)} ms)` : '';
      return `| ${r.name} | ${r.first.ms.toFixed(0)} ms | **${m.toFixed(0)} ms**${parts} | ${r.warm.map((w) => w.ms.toFixed(0)).join(', ')} | ${m <= 1000 && r.first.ms <= 1000 ? 'yes' : m <= 1000 ? 'warm yes, first no' : '**no**'} | ${slowest(all, sizes.bigId)} | ${r.first.api.length} |`;
    }),
  ].join('\n');
  // Over 1 s: the answer the render waited for last (latest response end) in the median warm run, and the boot time.
  const verdicts = results.map((r) => {
    const sorted = [...r.warm].sort((a, b) => a.ms - b.ms);
    const mid = sorted[Math.floor(sorted.length / 2)];
    const last = [...mid.api].sort((a, b) => b.start + b.ms - (a.start + a.ms))[0];
    const boot = median(r.warm.map((w) => Math.min(...w.api.map((a) => a.start))));
    const verdict = median(r.warm.map((w) => w.ms)) > 1000 ? 'over 1 s' : 'within 1 s';
    return `- ${r.name} (${verdict}): the last answer it waited for was \`GET ${shortPath(last.path, sizes.bigId)}\`, requested at ${last.start.toFixed(0)} ms and answered after ${last.ms.toFixed(0)} ms (median run); the console's JavaScript took a median ${boot.toFixed(0)} ms from navigation start to its first API request.`;
  });
  console.log(`\n${table}\n\n${verdicts.join('\n')}\n`);
  for (const r of results) {
    console.log(`${r.name}, API calls of the first load:`);
    for (const a of r.first.api) console.log(`  ${a.start.toFixed(0).padStart(5)} ms +${a.ms.toFixed(0).padStart(5)} ms  GET ${shortPath(a.path, sizes.bigId)}`);
  }

  if (flag('--no-results')) return;
  const section = `
## Console render times (issue 14) — ${date}

\`npm run build && npm run bench:console:render\` (code ${head}). Goal: each page's data on screen within 1 s.
Machine: ${c.length} × ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; load average
${load0.map((l) => l.toFixed(1)).join(' ')} at start, ${load1.map((l) => l.toFixed(1)).join(' ')} at the end (shared machine: other sessions' work was running).
Data (database \`${DB}\`, ${sizes.dbSize}, real migrations, seeded set-based, VACUUM ANALYZE): ${sizes.subscribers.toLocaleString('en-US')} subscribers;
${sizes.blasts} blasts (20 small: drafts, scheduled, sent/cancelled/paused with 10 ledger rows each; one sent blast with
${Object.values(sizes.ledger).reduce((a, b) => a + b, 0).toLocaleString('en-US')} ledger rows: ${ledgerText}; sent_at over one hour).
The built app (\`dist/main.js\`, api only, the console from \`dist/console\`) on loopback; headless Chromium
(playwright-core), signed in through the console's form as an admin. Time = navigation start → the data in the DOM
(a MutationObserver installed before the page's scripts): the list when every row is rendered and no count still
shows "…"; the stats page when the Sent figure, the sent-over-time chart and the first ledger rows are all there.
"First" = the first load of that page after the app started, in a fresh browser context; warm = new pages in the
same context. API durations are the page's resource timing (request start → response end).

${table}

${verdicts.join('\n')}
`;
  appendFileSync(join(ROOT, 'bench', 'RESULTS.md'), section);
  const readme = join(ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const figures = results.map((r) => `${r.name.startsWith('Blast list') ? 'list' : 'stats page'} ${median(r.warm.map((w) => w.ms)).toFixed(0)} ms median warm / ${r.first.ms.toFixed(0)} ms first`).join(', ');
  const replaced = text
    .split('\n')
    .map((line) =>
      line.includes('bench:console') && line.includes('not measured yet')
        ? line.replace('not measured yet', `${figures} (\`npm run bench:console:render\`, ${date}, goal ≤ 1 s; bench/RESULTS.md)`)
        : line,
    )
    .join('\n');
  if (replaced === text) log('README: no row with bench:console and "not measured yet" left to update');
  else writeFileSync(readme, replaced);
  log('appended to bench/RESULTS.md and updated README.md');
}

function existsFile(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}

async function seeded(): Promise<boolean> {
  const c = await pg(DB);
  try {
    const r = await c.query(`SELECT to_regclass('blasts') IS NOT NULL AS ok`);
    if (!r.rows[0].ok) return false;
    const n = await c.query(`SELECT count(*)::int AS n FROM blasts WHERE name = $1`, [BIG_NAME]);
    return n.rows[0].n === 1;
  } finally {
    await c.end();
  }
}

const roundAll = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
