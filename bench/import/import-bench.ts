/**
 * PERF-5 / SUB-4 bench: import a 1,000,000-row CSV through the real api and worker.
 *
 *   npm run bench:import                 # generate the CSV once (os.tmpdir), import it twice (new list, then re-import)
 *   npm run bench:import -- --regen      # generate the CSV again
 *   npm run bench:import -- --no-reimport
 *
 * Starts the api (src/main.ts) and one worker (src/worker.ts) as separate processes — the scale-out shape — on a
 * dedicated, freshly created database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cloture_bench_import)
 * and a private Redis key prefix. Uploads the file as a streamed text/csv body, polls GET /api/v1/imports/:id until
 * it completes, and reports wall-clock seconds (upload start → completed) and the peak RSS (VmHWM) of both
 * processes. The CSV has ~1 % invalid emails and ~1 % duplicates so the skip paths run too.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';

type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;
type FetchBody = FetchInit['body'];

const ROWS = 1_000_000;
const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloture_bench_import';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CSV_PATH = join(tmpdir(), 'cloture-bench-import-1m.csv');
const PORT = 3917;
const ADMIN_KEY = 'bench-import-admin-key-0123456789abcdef';
const args = process.argv.slice(2);

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generateCsv(): Promise<void> {
  const rand = prng(20261122);
  const first = ['Ann', 'Bob', 'Carmen', 'Dan', 'Eve', 'Fay', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kim', 'Luis'];
  const last = ['Smith', 'Garcia', 'Nguyen', "O'Brien", 'Johnson', 'Lee', 'Martinez', 'Brown', 'Davis', 'Wilson'];
  const prefixes = ['802', '100', '606', '900', '331', '770', '191', '981', '303', '021', '554', '631'];
  const out = createWriteStream(CSV_PATH);
  out.write('email,first_name,last_name,zip,tags,employer\n');
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    const r = rand();
    const email = r < 0.01 ? `broken-${i}-at-example.org` : r < 0.02 ? `person${Math.floor(rand() * i)}@example.org` : `person${i}@example.org`;
    const zip = `${prefixes[Math.floor(rand() * prefixes.length)]}${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
    const tags = rand() < 0.3 ? 'volunteer;donor' : rand() < 0.5 ? 'newsletter' : '';
    const employer = rand() < 0.2 ? '"Acme, Inc."' : '';
    buf += `${email},${first[i % first.length]},${last[Math.floor(rand() * last.length)]},${zip},${tags},${employer}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function recreateDatabase(): Promise<void> {
  const url = new URL(DB_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
}

function start(entry: string, logLevel = 'warn'): ChildProcess {
  const child = spawn(process.execPath, ['--disable-proto=throw', '-r', join(__dirname, '..', 'support', 'register.js'), entry], {
    cwd: join(__dirname, '..', '..'),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: DB_URL,
      REDIS_URL,
      REDIS_PREFIX: `bench_import_${process.pid}`,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      MIGRATE_ON_START: 'true',
      ADMIN_API_KEY: ADMIN_KEY,
      TOKEN_SECRET: 'bench-token-secret-0123456789abcdef0123456789',
      LOG_LEVEL: logLevel,
      BENCH_NO_SOURCE_MAPS: '1',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

const rssMb = (pid: number, field: 'VmHWM' | 'VmRSS') => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

async function api(method: string, path: string, body?: FetchBody, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method,
    body,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    duplex: 'half',
  } as FetchInit);
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health/ready`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('api did not become ready');
}

/** CPU seconds (user + system) a process has used so far: a figure less sensitive to a busy machine than wall time. */
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

/**
 * CPU seconds used by the PostgreSQL backends of the bench database since `start` — the server's share of an import,
 * unaffected by waiting for a core. Backends are sampled while the import runs (pool connections come and go).
 */
class ServerCpu {
  private readonly seen = new Map<number, { first: number; last: number }>();
  constructor(private readonly db: Client) {}
  async sample(): Promise<void> {
    const { rows } = await this.db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    for (const { pid } of rows as { pid: number }[]) {
      try {
        const cpu = cpuSeconds(pid);
        const s = this.seen.get(pid);
        if (s) s.last = cpu;
        else this.seen.set(pid, { first: this.started ? 0 : cpu, last: cpu });
      } catch {
        /* backend gone */
      }
    }
  }
  private started = false;
  async start(): Promise<void> {
    await this.sample();
    this.started = true;
  }
  get seconds(): number {
    return [...this.seen.values()].reduce((n, s) => n + s.last - s.first, 0);
  }
}

async function importOnce(label: string, pids: { api: number; worker: number }) {
  const load = loadavg()[0];
  const monitor = new Client({ connectionString: DB_URL });
  await monitor.connect();
  const server = new ServerCpu(monitor);
  await server.start();
  const cpu0 = { api: cpuSeconds(pids.api), worker: cpuSeconds(pids.worker) };
  const t0 = Date.now();
  const body = Readable.toWeb(createReadStream(CSV_PATH)) as unknown as FetchBody;
  const qs = new URLSearchParams({ consentBasis: 'Bench: generated people', tags: 'bench' });
  const up = await api('POST', `/api/v1/imports?${qs}`, body, { 'content-type': 'text/csv' });
  if (up.status !== 202) throw new Error(`upload answered ${up.status}: ${JSON.stringify(up.body)}`);
  const uploaded = Date.now();
  let imp = up.body;
  // Worker RSS while it reads the file: flat memory means the same figure at 10 % and at 90 % of the rows.
  const samples: { rows: number; rss: number }[] = [];
  while (imp.status !== 'completed' && imp.status !== 'failed') {
    await new Promise((r) => setTimeout(r, 250));
    imp = (await api('GET', `/api/v1/imports/${up.body.id}`)).body;
    samples.push({ rows: imp.rowsRead, rss: rssMb(pids.worker, 'VmRSS') });
    await server.sample();
  }
  await server.sample();
  await monitor.end();
  const at = (share: number) => samples.find((x) => x.rows >= share * 1_000_000 && x.rows < 1_000_000)?.rss ?? NaN;
  const rssSeries = `worker RSS at 10/25/50/75/90 % of rows read: ${[0.1, 0.25, 0.5, 0.75, 0.9].map(at).join(' / ')} MB`;
  console.log(`  ${rssSeries}`);
  const total = (Date.now() - t0) / 1000;
  const job = (new Date(imp.finishedAt).getTime() - new Date(imp.startedAt).getTime()) / 1000;
  const cpu = { api: cpuSeconds(pids.api) - cpu0.api, worker: cpuSeconds(pids.worker) - cpu0.worker };
  console.log(`${label}: ${imp.status} in ${total.toFixed(1)} s (upload ${((uploaded - t0) / 1000).toFixed(1)} s, job ${job.toFixed(1)} s); ` +
    `rows ${imp.rowsRead}, created ${imp.created}, updated ${imp.updated}, unchanged ${imp.unchanged}, skipped ${JSON.stringify(imp.skipped)}`);
  if (imp.status !== 'completed') throw new Error(`import failed: ${imp.failure}`);
  const serverCpu = server.seconds;
  console.log(`  cpu: api ${cpu.api.toFixed(1)} s, worker ${cpu.worker.toFixed(1)} s, PostgreSQL ${serverCpu.toFixed(1)} s; load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
  return { label, total, upload: (uploaded - t0) / 1000, job, imp, cpu, serverCpu, load: [load, loadavg()[0]], rssSeries };
}

export async function main(): Promise<void> {
  if (args.includes('--regen') || !existsSync(CSV_PATH)) {
    const g = Date.now();
    await generateCsv();
    console.log(`generated ${CSV_PATH} (${(statSync(CSV_PATH).size / 1e6).toFixed(1)} MB) in ${((Date.now() - g) / 1000).toFixed(1)} s`);
  }
  await recreateDatabase();
  const apiProc = start('src/main.ts');
  await waitReady(); // the api migrates the fresh database before it listens
  // The worker logs each import's phases (parse+copy, dedupe, suppression, merge) at info level.
  const workerProc = start('src/worker.ts', 'info');
  await new Promise((r) => setTimeout(r, 10_000)); // let the worker boot, compile and subscribe to its queues
  const idle = { api: rssMb(apiProc.pid!, 'VmRSS'), worker: rssMb(workerProc.pid!, 'VmRSS') };
  console.log(`RSS after boot: api ${idle.api} MB, worker ${idle.worker} MB`);
  const results = [];
  try {
    const pids = { api: apiProc.pid!, worker: workerProc.pid! };
    results.push(await importOnce('new list (1M rows into an empty database)', pids));
    if (!args.includes('--no-reimport')) results.push(await importOnce('re-import (same file: every row matched, none changed)', pids));
    const rss = { api: rssMb(apiProc.pid!, 'VmHWM'), worker: rssMb(workerProc.pid!, 'VmHWM') };
    console.log(`peak RSS: api ${rss.api} MB, worker ${rss.worker} MB`);
    const lines = [
      '',
      `## CSV import, 1,000,000 rows (SUB-4, PERF-5) — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `Command: \`npm run bench:import\` — api and one worker as separate processes (src/main.ts, src/worker.ts),`,
      `fresh database, file ${(statSync(CSV_PATH).size / 1e6).toFixed(1)} MB streamed as a text/csv body; ${cpus().length} cores,`,
      `${Math.round(totalmem() / 2 ** 30)} GB RAM, shared with other work. Seconds = upload start → import completed.`,
      '',
      '| run | seconds | upload | job | worker CPU s | PostgreSQL CPU s | load avg | created | updated | unchanged | skipped |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
      ...results.map((r) => `| ${r.label} | ${r.total.toFixed(1)} | ${r.upload.toFixed(1)} | ${r.job.toFixed(1)} | ${r.cpu.worker.toFixed(1)} | ${r.serverCpu.toFixed(1)} | ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} | ${r.imp.created} | ${r.imp.updated} | ${r.imp.unchanged} | ${r.imp.skipped.total} |`),
      '',
      `Peak RSS (VmHWM) over the runs: api ${rss.api} MB, worker ${rss.worker} MB (after boot, idle: api ${idle.api} MB, worker ${idle.worker} MB).`,
      ...results.map((r) => `${r.label}: ${r.rssSeries}.`),
      '',
    ];
    console.log(lines.join('\n'));
    if (args.includes('--write')) {
      const file = join(__dirname, '..', 'RESULTS.md');
      const head = existsSync(file) ? '' : '# Benchmark results\n\nEach section: what was measured, the command, the machine and the date.\n';
      const { appendFileSync } = await import('node:fs');
      appendFileSync(file, head + lines.join('\n'));
      console.log(`appended to ${file}`);
    }
  } finally {
    apiProc.kill('SIGTERM');
    workerProc.kill('SIGTERM');
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
