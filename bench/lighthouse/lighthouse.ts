/**
 * Issue 20: Lighthouse scores of the hosted petition page and the signer's thank-you page, beside the same pages built
 * from a baseline revision (default `main`) in the same run.
 *
 *   npm run bench:lighthouse                               # this tree and main, mobile and desktop presets
 *   npm run bench:lighthouse -- --baseline 88aa3ad --no-build
 *
 * Lighthouse is pinned (12.2.3, runs on Node 20) and fetched by `npx --yes` on first use, so it is not a project
 * dependency; it drives Debian's Chromium (`/usr/bin/chromium`, CHROME_PATH). Each build runs as its own process
 * (`main.js`, database cloture_bench_lighthouse_<n>), both at once and measured in turns (the machine's load falls on
 * both alike; each figure is the median of --runs, default 3), with a petition made through the API (Markdown body of several
 * paragraphs, a leadership role and the signer's own senators, a goal) and three signatures, so recent signers, the
 * progress bar and the share step all render. The thank-you page is the signer's personal page
 * (`/p/:slug/thanks/:token`, the same template as the answer to the form's POST); the baseline has no GET thank-you
 * page (its thank-you is only the answer to a POST), so that row is marked n/a for it.
 * The baseline's source comes from `git archive <ref> src` into $TMPDIR/cloture-bench-lighthouse-baseline (nothing in
 * the repo is touched)
 * and is compiled with this tree's node_modules.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_KEY, args, benchEnv, buildApp, DIST, flag, freshDatabase, log, machine, ROOT, sleep, waitFor, writeReport,
} from '../support/bench-process';
import { NODE_FLAGS } from '../../test/support/process';

const LIGHTHOUSE = 'lighthouse@12.2.3';
const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const argValue = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const BASELINE = argValue('--baseline', 'main');
const PRESETS = argValue('--presets', 'mobile,desktop').split(',');

const BODY = [
  'The Senate has sat on the Election Security Act for **two years**, while the next election comes closer every day.',
  'The bill funds paper ballot backups, post-election audits and the security of voter rolls in every state. It passed committee with votes from both parties.',
  'Only the Senate\'s leaders decide what reaches the floor. Tell them: schedule the vote before the recess.',
].join('\n\n');

interface Scores {
  performance: number;
  accessibility: number;
  'best-practices': number;
  seo: number;
  /** First and largest contentful paint, speed index (ms), total blocking time (ms), layout shift. */
  metrics: { fcp: number; lcp: number; si: number; tbt: number; cls: number };
  failing: string[];
}
const RUNS = Number(argValue('--runs', '3'));

/** The baseline's src at `ref`, compiled into bench/out/baseline/dist. */
function buildBaseline(ref: string): { dist: string; revision: string } {
  const revision = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT }).toString().trim();
  // Outside the repo's tree, so neither tsc nor eslint of this tree sees the baseline's copy of src/.
  const dir = join(tmpdir(), 'cloture-bench-lighthouse-baseline');
  const dist = join(dir, 'dist');
  const stamp = join(dir, 'revision.txt');
  if (flag('--no-build') && existsSync(join(dist, 'main.js')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === revision) return { dist, revision };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${revision} src tsconfig.json tsconfig.build.json | tar -x -C "${dir}"`], { cwd: ROOT });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'data'), join(dir, 'data'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    if (!existsSync(join(dist, 'main.js'))) throw e;
  }
  writeFileSync(stamp, revision);
  return { dist, revision };
}

function startBuild(name: string, dist: string, database: string, port: number): ChildProcess {
  const child = spawn(process.execPath, [...NODE_FLAGS, join(dist, 'main.js')], {
    cwd: join(dist, '..'),
    env: { PATH: process.env.PATH ?? '', ...benchEnv(database, port, { PETITION_SIGNATURES_PER_IP_PER_DAY: '100000' }) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  log(`${name}: pid ${child.pid} on port ${port}`);
  return child;
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A petition and three signatures; the third signer's personal page, when the build has one. */
async function seed(base: string): Promise<{ page: string; thanks: string | null }> {
  const slug = `lighthouse-${Date.now().toString(36)}`;
  await api(base, 'POST', '/api/v1/petitions', {
    slug,
    title: 'Tell Senate leadership: pass the Election Security Act',
    body: BODY,
    targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
    goal: 1000,
  });
  let receipt: any;
  for (const [firstName, zip] of [['Ada', '80202'], ['Grace', '10001'], ['Rosa', '57104']]) {
    receipt = await api(base, 'POST', `/api/v1/public/petitions/${slug}/signatures`, {
      email: `${firstName.toLowerCase()}.${slug}@example.org`, firstName, lastName: 'Signer', zip,
    });
  }
  return { page: `${base}/p/${slug}`, thanks: receipt.share?.personalUrl ?? null };
}

/** One Lighthouse run; a run that fails to record its trace (NO_NAVSTART happens on a loaded machine) is retried. */
function lighthouse(url: string, preset: string, attempt = 1): Scores {
  try {
    return lighthouseOnce(url, preset);
  } catch (e) {
    if (attempt >= 3) throw e;
    log(`lighthouse failed (${(e as Error).message.split('\n')[0]}); retrying`);
    return lighthouse(url, preset, attempt + 1);
  }
}

function lighthouseOnce(url: string, preset: string): Scores {
  const out = execFileSync(
    'npx',
    [
      '--yes', LIGHTHOUSE, url,
      '--output=json', '--output-path=stdout', '--quiet',
      `--only-categories=${CATEGORIES.join(',')}`,
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
      ...(preset === 'desktop' ? ['--preset=desktop'] : []),
    ],
    { env: { ...process.env, CHROME_PATH: CHROME }, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
  ).toString();
  const report = JSON.parse(out);
  const audit = (id: string) => report.audits[id].numericValue as number;
  return {
    ...(Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(report.categories[c].score * 100)])) as Record<(typeof CATEGORIES)[number], number>),
    metrics: {
      fcp: audit('first-contentful-paint'), lcp: audit('largest-contentful-paint'), si: audit('speed-index'),
      tbt: audit('total-blocking-time'), cls: audit('cumulative-layout-shift'),
    },
    // Audits that cost points, so a score below 100 says why.
    failing: Object.values(report.audits as Record<string, { id: string; score: number | null; scoreDisplayMode: string }>)
      .filter((a) => a.scoreDisplayMode === 'binary' && a.score === 0)
      .map((a) => a.id),
  };
}

/** The run with the median performance score (Lighthouse's own advice for noisy machines). */
function medianRun(runs: Scores[]): Scores {
  return [...runs].sort((a, b) => a.performance - b.performance)[Math.floor(runs.length / 2)];
}

export async function main(): Promise<void> {
  buildApp();
  const baseline = buildBaseline(BASELINE);
  const builds = [
    { name: 'this tree', dist: DIST, database: 'cloture_bench_lighthouse_new', port: 3397 },
    { name: `${BASELINE} (${baseline.revision})`, dist: baseline.dist, database: 'cloture_bench_lighthouse_base', port: 3398 },
  ];
  const header = machine();
  const children: ChildProcess[] = [];
  // Both builds run at once and are measured in turns, so the shared machine's load falls on both alike.
  const targets: { build: string; page: string; url: string | null }[] = [];
  try {
    for (const b of builds) {
      await freshDatabase(b.database);
      children.push(startBuild(b.name, b.dist, b.database, b.port));
      const base = `http://127.0.0.1:${b.port}`;
      await waitFor(`${b.name} to answer /health`, async () => (await fetch(`${base}/health`)).ok, 120_000, 250);
      const urls = await seed(base);
      targets.push({ build: b.name, page: 'petition page', url: urls.page }, { build: b.name, page: 'thank-you page', url: urls.thanks });
    }
    await sleep(500);
    const results = new Map<string, Scores[]>();
    for (let run = 1; run <= RUNS; run++) {
      for (const preset of PRESETS) {
        for (const tg of targets) {
          if (!tg.url) continue;
          const s = lighthouse(tg.url, preset);
          const key = `${tg.build}|${tg.page}|${preset}`;
          results.set(key, [...(results.get(key) ?? []), s]);
          log(`run ${run} · ${tg.build} · ${tg.page} · ${preset}: ${CATEGORIES.map((c) => s[c]).join(' / ')} · LCP ${s.metrics.lcp.toFixed(0)} ms, TBT ${s.metrics.tbt.toFixed(0)} ms${s.failing.length ? ` (failing: ${s.failing.join(', ')})` : ''}`);
        }
      }
    }
    const rows: string[] = [];
    for (const tg of targets) {
      for (const preset of PRESETS) {
        const runs = results.get(`${tg.build}|${tg.page}|${preset}`);
        if (!runs) {
          rows.push(`| ${tg.build} | ${tg.page} | ${preset} | n/a | n/a | n/a | n/a | — | no GET page in this build |`);
          continue;
        }
        const m = medianRun(runs);
        const perf = runs.map((r) => r.performance).join(', ');
        const metrics = `FCP ${m.metrics.fcp.toFixed(0)}, LCP ${m.metrics.lcp.toFixed(0)}, SI ${m.metrics.si.toFixed(0)}, TBT ${m.metrics.tbt.toFixed(0)} ms, CLS ${m.metrics.cls.toFixed(3)}`;
        rows.push(`| ${tg.build} | ${tg.page} | ${preset} | ${m.performance} (${perf}) | ${m.accessibility} | ${m['best-practices']} | ${m.seo} | ${metrics} | ${m.failing.join(', ') || '—'} |`);
      }
    }
    const report = [
      `# Lighthouse (${LIGHTHOUSE}, ${CHROME}) — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, median of ${RUNS} runs`,
      '',
      header,
      '',
      '| build | page | preset | performance (each run) | accessibility | best practices | SEO | median run | failing audits |',
      '|---|---|---|---:|---:|---:|---:|---|---|',
      ...rows,
      '',
    ].join('\n');
    const file = writeReport('lighthouse', report);
    log(`report: ${file}`);
    console.log(report);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
