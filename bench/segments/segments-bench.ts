/**
 * PERF-3 / SEG bench: segment counts over 1,000,000 subscribers.
 *
 *   npm run bench:segments               # seeds once (COPY), then times; reuses the seeded database afterwards
 *   npm run bench:segments -- --reseed   # drop and seed again
 *   npm run bench:segments -- --runs 15  # measured runs per query (default 9, after 2 warm-ups)
 *
 * Uses a dedicated database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cloture_bench_segments),
 * migrated with the real migrations, never the dev database. Each count is the exact SQL SegmentsService runs
 * (countMembersSql(buildSegmentQuery(rules))). The baseline is a plain `SELECT count(*) FROM subscribers` in the
 * same run. Writes the result table to bench/segments/latest.md and the EXPLAIN (ANALYZE, BUFFERS) plans to
 * bench/out/segments-plans.txt (not committed; the committed plans-*.txt are copies from the runs quoted in bench/RESULTS.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadEnv } from '../../src/core/config/env';
import { runMigrations } from '../../src/core/database/prepare-database';
import { buildSegmentQuery, countMembersSql, petitionSlugReferences } from '../../src/segments/segment-query';

const ROWS = 1_000_000;
const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloture_bench_segments';
const args = process.argv.slice(2);
const RESEED = args.includes('--reseed');
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 9;
const WARMUPS = 2;
/** Counts per case for the server-CPU measurement (clock ticks are 10 ms: many runs give ~1 ms resolution). */
const CPU_RUNS = 20;

/** Rough US population (millions) per state: a realistic skew (CA ≈ 12 %, CO ≈ 1.8 %, WY ≈ 0.2 %). */
const STATES: [string, number][] = [
  ['CA', 39.5], ['TX', 29.1], ['FL', 21.5], ['NY', 20.2], ['PA', 13.0], ['IL', 12.8], ['OH', 11.8], ['GA', 10.7],
  ['NC', 10.4], ['MI', 10.1], ['NJ', 9.3], ['VA', 8.6], ['WA', 7.7], ['AZ', 7.2], ['MA', 7.0], ['TN', 6.9],
  ['IN', 6.8], ['MD', 6.2], ['MO', 6.2], ['WI', 5.9], ['CO', 5.8], ['MN', 5.7], ['SC', 5.1], ['AL', 5.0],
  ['LA', 4.7], ['KY', 4.5], ['OR', 4.2], ['OK', 4.0], ['CT', 3.6], ['UT', 3.3], ['IA', 3.2], ['NV', 3.1],
  ['AR', 3.0], ['MS', 3.0], ['KS', 2.9], ['NM', 2.1], ['NE', 2.0], ['ID', 1.8], ['WV', 1.8], ['HI', 1.5],
  ['NH', 1.4], ['ME', 1.4], ['RI', 1.1], ['MT', 1.1], ['DE', 1.0], ['SD', 0.9], ['ND', 0.8], ['AK', 0.7],
  ['DC', 0.7], ['VT', 0.6], ['WY', 0.6],
];
/** Independent tag probabilities. */
const TAGS: [string, number][] = [
  ['newsletter', 0.4], ['event-2026', 0.12], ['volunteer', 0.08], ['donor', 0.05], ['phone-bank', 0.02], ['local-lead', 0.005],
];
const STATUSES: [string, number][] = [['subscribed', 85], ['unconfirmed', 5], ['unsubscribed', 7], ['bounced', 2], ['complained', 1]];
const FREQUENCIES: [string, number][] = [['all', 80], ['weekly', 10], ['monthly', 6], ['important_only', 4]];
/** Petitions and the share of subscribers who signed each. */
const PETITIONS: [string, number][] = [['keep-the-filibuster', 5], ['fund-election-security', 1], ['confirm-judges-now', 0.5]];

/** Deterministic PRNG (mulberry32): the same seed gives the same million people on every machine. */
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

function weighted(rand: () => number, table: [string, number][]): string {
  const total = table.reduce((n, [, w]) => n + w, 0);
  let r = rand() * total;
  for (const [v, w] of table) if ((r -= w) < 0) return v;
  return table[table.length - 1][0];
}

function* subscriberRows(): Generator<string> {
  const rand = prng(20261122);
  const now = Date.UTC(2026, 10, 22);
  const threeYears = 3 * 365 * 86_400_000;
  const firstNames = ['Ann', 'Bob', 'Carmen', 'Dan', 'Eve', 'Fay', 'Gus', 'Hana', 'Ivan', 'Jo'];
  let chunk: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const tags = TAGS.filter(([, p]) => rand() < p).map(([t]) => t);
    const custom = rand() < 0.2 ? JSON.stringify({ donor_level: ['gold', 'silver', 'bronze'][Math.floor(rand() * 3)], employer: 'Acme' }) : '{}';
    const zip = String(Math.floor(rand() * 100_000)).padStart(5, '0');
    const created = new Date(now - Math.floor(rand() * threeYears)).toISOString();
    chunk.push(
      [
        `member${i}@example.org`,
        firstNames[i % firstNames.length],
        rand() < 0.1 ? '\\N' : `Last${i % 997}`,
        zip,
        weighted(rand, STATES),
        `{${tags.join(',')}}`,
        custom,
        weighted(rand, STATUSES),
        weighted(rand, FREQUENCIES),
        rand() < 0.5 ? 'import:bench' : 'petition:keep-the-filibuster',
        created,
      ].join('\t') + '\n',
    );
    if (chunk.length === 5000) {
      yield chunk.join('');
      chunk = [];
    }
  }
  if (chunk.length) yield chunk.join('');
}

async function adminClient(): Promise<Client> {
  const u = new URL(DB_URL);
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString() });
  await c.connect();
  return c;
}

/** petitions / petition_signatures as the petitions module defines them, or minimal stand-ins if not migrated yet. */
async function ensurePetitionTables(c: Client): Promise<string> {
  const [{ exists }] = (await c.query(`SELECT to_regclass('petition_signatures') IS NOT NULL AS exists`)).rows;
  if (exists) return 'petitions module tables and indexes';
  await c.query(`CREATE TABLE petitions (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), slug text NOT NULL UNIQUE, title text, opt_in_text text)`);
  await c.query(`
    CREATE TABLE petition_signatures (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      petition_id uuid NOT NULL REFERENCES petitions (id),
      subscriber_id uuid REFERENCES subscribers (id),
      email text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await c.query(`CREATE INDEX ON petition_signatures (petition_id, created_at, id)`);
  await c.query(`CREATE INDEX ON petition_signatures (subscriber_id, created_at)`);
  return 'stand-in tables (petitions migration absent)';
}

async function seed(): Promise<string> {
  const admin = await adminClient();
  const name = new URL(DB_URL).pathname.slice(1);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await runMigrations(loadEnv({ DATABASE_URL: DB_URL, NODE_ENV: 'test' }));

  const c = new Client({ connectionString: DB_URL });
  await c.connect();
  try {
    let t0 = Date.now();
    const copy = c.query(
      copyFrom(`COPY subscribers (email, first_name, last_name, zip, state, tags, custom_fields, status, frequency, source, created_at) FROM STDIN`),
    );
    await pipeline(Readable.from(subscriberRows()), copy);
    console.log(`seeded ${ROWS} subscribers with COPY in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const petitionNote = await ensurePetitionTables(c);
    t0 = Date.now();
    for (const [slug, percent] of PETITIONS) {
      const [{ id }] = (await c.query(`INSERT INTO petitions (slug, title, opt_in_text) VALUES ($1, $1, 'Email me') RETURNING id`, [slug])).rows;
      // Set-based: a deterministic share of all subscribers signed, some time after they joined.
      await c.query(
        `INSERT INTO petition_signatures (petition_id, subscriber_id, email, created_at)
         SELECT $1, id, email, created_at + interval '3 days' FROM subscribers WHERE abs(hashtext(id::text || $2)) % 1000 < $3`,
        [id, slug, Math.round(percent * 10)],
      );
    }
    console.log(`signatures inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s (${petitionNote})`);
    t0 = Date.now();
    await c.query(`VACUUM ANALYZE`);
    console.log(`VACUUM ANALYZE in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return petitionNote;
  } finally {
    await c.end();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Case {
  name: string;
  rules?: unknown;
  sql?: string;
}

const CASES: Case[] = [
  { name: 'baseline: SELECT count(*) FROM subscribers', sql: 'SELECT count(*)::int AS count FROM subscribers' },
  { name: 'tag volunteer', rules: { tag: 'volunteer' } },
  { name: 'tag volunteer OR tag donor', rules: { or: [{ tag: 'volunteer' }, { tag: 'donor' }] } },
  { name: 'state CO', rules: { state: 'CO' } },
  { name: 'state CA (largest state)', rules: { state: 'CA' } },
  { name: 'signed petition (by slug, 5 % signed)', rules: { signed: 'keep-the-filibuster' } },
  {
    name: 'nested and/or/not tree',
    rules: {
      and: [
        { or: [{ tag: 'volunteer' }, { tag: 'donor' }] },
        { state: ['CO', 'AL', 'TX'] },
        { not: { signed: 'keep-the-filibuster' } },
        { not: { field: 'frequency', op: 'eq', value: 'monthly' } },
      ],
    },
  },
  { name: 'custom field eq (GIN on custom_fields)', rules: { custom: 'donor_level', op: 'eq', value: 'gold' } },
  { name: 'zipPrefix 802', rules: { zipPrefix: '802' } },
  { name: 'joined in the last 30 days', rules: { joined: { after: '2026-10-23' } } },
];

export async function main(): Promise<void> {
  const admin = await adminClient();
  const name = new URL(DB_URL).pathname.slice(1);
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount;
  await admin.end();
  let petitionNote = 'seeded earlier';
  if (RESEED || !exists) petitionNote = await seed();

  const c = new Client({ connectionString: DB_URL });
  await c.connect();
  const [{ total }] = (await c.query(`SELECT count(*)::int AS total FROM subscribers`)).rows;
  if (total !== ROWS) throw new Error(`bench database has ${total} subscribers, expected ${ROWS}: run with --reseed`);
  await c.query(`SET jit = off`); // as SegmentsService does for counts
  const settings = (await c.query(`SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers','work_mem','jit','max_parallel_workers_per_gather','server_version','random_page_cost','effective_cache_size')`)).rows
    .map((r: { name: string; setting: string; unit: string | null }) => `${r.name}=${r.setting}${r.unit ?? ''}`)
    .join(', ');

  const loadBefore = loadavg()[0].toFixed(1);
  // Round-robin: every round times every case once, so the load of other processes on a shared machine weighs on
  // all cases alike and the ratio to the baseline stays meaningful.
  // Petition slugs resolved to ids first, as SegmentsService.compile does.
  const slugs = CASES.flatMap((k) => petitionSlugReferences(k.rules));
  const petitionIdsBySlug = new Map<string, string>(
    (await c.query(`SELECT slug, id FROM petitions WHERE slug = ANY ($1::text[])`, [slugs])).rows.map((r: { slug: string; id: string }) => [r.slug, r.id]),
  );
  const compiled = CASES.map((k) => {
    const q = k.rules ? buildSegmentQuery(k.rules, { firstParamIndex: 1, petitionIdsBySlug }) : { sql: '', params: [] as unknown[] };
    return { ...k, sql: k.sql ?? countMembersSql(q), params: q.params, times: [] as number[], count: 0 };
  });
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    for (const k of compiled) {
      const t0 = performance.now();
      k.count = (await c.query(k.sql, k.params)).rows[0].count;
      if (round >= WARMUPS) k.times.push(performance.now() - t0);
    }
  }
  const plans: string[] = [];
  for (const k of compiled) {
    const plan = (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${k.sql}`, k.params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']);
    plans.push(`### ${k.name}\n${k.rules ? `rules: ${JSON.stringify(k.rules)}\n` : ''}${k.sql}\nparams: ${JSON.stringify(k.params)}\n\n${plan.join('\n')}\n`);
  }
  // Load-independent figure: the server backend's own CPU time per count (from /proc; local server only), with
  // parallel workers off so all the work lands in that one process. Waiting for a core does not count, so it is
  // close to what the count takes on an idle core with the data in memory.
  const [{ pid }] = (await c.query(`SELECT pg_backend_pid() AS pid`)).rows;
  const cpuTicks = () => {
    const stat = `/proc/${pid}/stat`;
    if (!existsSync(stat)) return NaN;
    const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (1/100 s)
  };
  const cpuMs = new Map<string, number>();
  await c.query(`SET max_parallel_workers_per_gather = 0`);
  for (const k of compiled) {
    await c.query(k.sql, k.params);
    const before = cpuTicks();
    for (let i = 0; i < CPU_RUNS; i++) await c.query(k.sql, k.params);
    cpuMs.set(k.name, ((cpuTicks() - before) * 10) / CPU_RUNS);
  }
  await c.query(`RESET max_parallel_workers_per_gather`);

  const results = compiled.map((k) => ({
    name: k.name,
    count: k.count,
    median: median(k.times),
    min: Math.min(...k.times),
    max: Math.max(...k.times),
    cpu: cpuMs.get(k.name)!,
  }));
  const baseline = results[0].median;
  const tick = 10 / CPU_RUNS;
  const cpuCell = (ms: number) => (Number.isNaN(ms) ? 'n/a' : ms < tick ? `< ${tick.toFixed(1)}` : ms.toFixed(1));
  for (const r of results) console.log(`${r.name.padEnd(45)} count=${String(r.count).padStart(7)}  median=${r.median.toFixed(1)} ms`);
  await c.end();

  const load = `1-min load average ${loadBefore} before, ${loadavg()[0].toFixed(1)} after (other sessions share the machine)`;
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM; ${settings}`;
  const table = [
    `Command: \`npm run bench:segments${RESEED || args.includes('--runs') ? ' --' : ''}${RESEED ? ' --reseed' : ''}${args.includes('--runs') ? ` --runs ${RUNS}` : ''}\` — ${new Date().toISOString()}`,
    `Machine: ${machine}; ${load}`,
    `Database: ${new URL(DB_URL).host}/${new URL(DB_URL).pathname.slice(1)}`,
    `Data: ${ROWS.toLocaleString('en-US')} subscribers (85 % subscribed), COPY-seeded; signatures: ${petitionNote}. ${RUNS} measured rounds after ${WARMUPS} warm-up rounds (round-robin over the cases), wall time at the client (pg, loopback). Last column: CPU time of the server backend per count, mean of ${CPU_RUNS}, parallel workers off (/proc; unaffected by waiting for a core).`,
    '',
    '| query | matching subscribed | median ms | × baseline | min ms | max ms | server CPU ms, serial plan |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.count.toLocaleString('en-US')} | ${r.median.toFixed(1)} | ${(r.median / baseline).toFixed(2)} | ${r.min.toFixed(1)} | ${r.max.toFixed(1)} | ${cpuCell(r.cpu)} |`,
    ),
  ].join('\n');
  writeFileSync(join(__dirname, 'latest.md'), `${table}\n`);
  mkdirSync(join(__dirname, '..', 'out'), { recursive: true });
  writeFileSync(join(__dirname, '..', 'out', 'segments-plans.txt'), plans.join('\n'));
  console.log(`\n${table}\n\nplans: bench/out/segments-plans.txt`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
