/**
 * What every bench and drill of issue 9 shares: a private build of the app (bench/out/dist, so other people's
 * `npm run build` cannot swap files under a running bench), a dedicated database and Redis prefix, the app and
 * workers as real processes (`main.js --with-worker`, `worker.js`), CPU/RSS sampling, and the results file.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadEnv } from '../../src/core/config/env';
import { runMigrations } from '../../src/core/database/prepare-database';
import { NODE_FLAGS } from '../../test/support/process';

export const ROOT = join(__dirname, '..', '..');
export const OUT = join(ROOT, 'bench', 'out');
export const DIST = join(OUT, 'dist');
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdefghij';
export const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef0123456789';
export const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export const args = process.argv.slice(2);
export const flag = (name: string) => args.includes(name);
export function arg(name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 && Number.isFinite(Number(args[i + 1])) ? Number(args[i + 1]) : def;
}

/** Compiles src/ into bench/out/dist (skipped with --no-build when a build is already there). */
export function buildApp(): void {
  mkdirSync(OUT, { recursive: true });
  // The app finds data/ two levels above its compiled files.
  if (!existsSync(join(OUT, 'data'))) symlinkSync(join(ROOT, 'data'), join(OUT, 'data'));
  const revisionFile = join(OUT, 'dist-revision.txt');
  if (flag('--no-build') && existsSync(join(DIST, 'main.js'))) {
    builtFrom = existsSync(revisionFile) ? readFileSync(revisionFile, 'utf8').trim() : 'unknown revision';
    return;
  }
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT }).toString().trim() ? ' + uncommitted src changes of work in progress' : '';
  builtFrom = `${head}${dirty}`;
  writeFileSync(revisionFile, builtFrom);
  const started = Date.now();
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    // Type errors in work in progress elsewhere still emit JavaScript; a missing main.js is the real failure.
    if (!existsSync(join(DIST, 'main.js'))) throw e;
  }
  log(`built the app into bench/out/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function dbUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}

export async function pg(name: string): Promise<Client> {
  const c = new Client({ connectionString: dbUrl(name) });
  await c.connect();
  return c;
}

/** Drops and recreates the bench database at `url` (never the dev one: names must start with cloture_bench_). */
async function recreateDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!name.startsWith('cloture_bench_')) throw new Error(`refusing to reset ${name}`);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}

export async function freshDatabase(name: string): Promise<void> {
  await recreateDatabase(dbUrl(name));
}

/** A fresh bench database at `url`, migrated with the real migrations (for benches that boot the app in-process). */
export async function freshMigratedDatabase(url: string): Promise<void> {
  await recreateDatabase(url);
  await runMigrations(loadEnv({ DATABASE_URL: url, NODE_ENV: 'test' }));
}

export { freePort } from '../../test/support/process';

/** A random client address per request (with TRUST_PROXY), so per-IP limits stay in the path without being the bottleneck. */
export const randomIp = () => `10.${(Math.random() * 255) | 0}.${(Math.random() * 255) | 0}.${(Math.random() * 255) | 0}`;

export async function databaseExists(name: string): Promise<boolean> {
  const admin = new Client({ connectionString: dbUrl('postgres') });
  await admin.connect();
  const r = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
  await admin.end();
  return r.rowCount === 1;
}

/** The environment of a bench app or worker. */
export function benchEnv(database: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: dbUrl(database),
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench_${database}`,
    LOG_LEVEL: 'warn',
    TOKEN_SECRET,
    ADMIN_API_KEY: ADMIN_KEY,
    MAIL_OUTBOX_DIR: join(OUT, 'outbox', database),
    ...extra,
  };
}

export interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | string>;
}

/** Every child started here: killed when this process exits, however it exits (no orphan keeps sending). */
const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.once('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

/** Starts `bench/out/dist/<script>` as its own process with exactly this environment. */
export function startNode(name: string, script: string, scriptArgs: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [...NODE_FLAGS, join(DIST, script), ...scriptArgs], {
    cwd: OUT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const output: string[] = [];
  const keep = (d: Buffer) => {
    output.push(d.toString());
    if (output.length > 400) output.splice(0, 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { name, child, output, exited };
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The api (+ worker with `withWorker`) as a process; resolves when /health answers. */
export async function startApp(database: string, port: number, extra: Record<string, string> = {}, withWorker = true): Promise<Proc> {
  const p = startNode(withWorker ? 'app' : 'api', 'main.js', withWorker ? ['--with-worker'] : [], benchEnv(database, port, extra));
  await waitFor(
    'the app to answer /health',
    async () => {
      if (p.child.exitCode !== null) throw new Error(`app exited:\n${p.output.join('')}`);
      return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
    },
    120_000,
    200,
  ).catch((e) => {
    p.child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${p.output.join('').slice(-3000)}`);
  });
  return p;
}

/** A worker process; resolves once it logged that it started. */
export async function startWorker(name: string, database: string, extra: Record<string, string> = {}): Promise<Proc> {
  const p = startNode(name, 'worker.js', [], benchEnv(database, 0, { ...extra, LOG_LEVEL: 'info' }));
  await waitFor(
    `${name} to start`,
    () => {
      if (p.child.exitCode !== null) throw new Error(`${name} exited:\n${p.output.join('')}`);
      return p.output.join('').includes('Cloture worker started');
    },
    120_000,
  ).catch((e) => {
    p.child.kill('SIGKILL');
    throw e;
  });
  return p;
}

export async function stop(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(t);
}

/** CPU time (ms, user+system) and RSS (bytes) of a process, from /proc. */
export function procStat(pid: number): { cpuMs: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuMs: (ticks * 1000) / 100, rss: rssPages * 4096 };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs`; `stop()` returns the series and the peak. */
export function sampleRss(pid: number, everyMs = 500): { stop: () => { peak: number; series: { t: number; rss: number }[] } } {
  const series: { t: number; rss: number }[] = [];
  const t0 = Date.now();
  const timer = setInterval(() => {
    const s = procStat(pid);
    if (s) series.push({ t: Date.now() - t0, rss: s.rss });
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak: Math.max(0, ...series.map((s) => s.rss)), series };
    },
  };
}

/** The code measured: HEAD when bench/out/dist was built, and whether the working tree had uncommitted changes. */
let builtFrom = 'unknown revision';

export function machine(): string {
  const c = cpus();
  return `code ${builtFrom} · ${c.length} × ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at start (shared machine: other sessions' tests were running)`;
}

export function log(msg: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Appends a section to bench/out/<name>.md (the latest run, for pasting into bench/RESULTS.md). */
export function writeReport(name: string, markdown: string): string {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.md`);
  appendFileSync(file, `${markdown}\n`);
  return file;
}

/** Deletes every Redis key of a bench prefix (bounded SCAN loop). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const Redis = require('ioredis') as typeof import('ioredis').default;
  const r = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
