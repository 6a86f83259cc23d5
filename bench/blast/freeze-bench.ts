/**
 * PERF-2 bench: freezing the audience of a 1,000,000-subscriber list with caps and topic rules, and the send loop's
 * per-chunk SQL on the frozen ledger.
 *
 *   node -r ./bench/support/register.js bench/blast/freeze-bench.ts [--reseed]
 *
 * Dedicated database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cloture_bench_blasts), migrated
 * with the real migrations. Seeds 1M subscribers (85 % subscribed; frequency 80 % all / 10 % weekly / 6 % monthly /
 * 4 % important_only), a topic with 3 % opted out, and an earlier blast that reached 300,000 of them 3 days ago (so
 * weekly and monthly caps bite). Then freezes two blasts one after the other with the exact SQL the worker runs
 * (freezeSql, under the advisory lock) and times each; then times claimSql for a 50-row chunk and the reconciler's
 * pending-batches query. Writes bench/blast/freeze-latest.md.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { claimSql, FREEZE_LOCK_KEY, freezeSql, PENDING_BATCHES_SQL } from '../../src/blasts/blast-queries';
import { loadEnv } from '../../src/core/config/env';
import { runMigrations } from '../../src/core/database/prepare-database';

const ROWS = 1_000_000;
const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cloture_bench_blasts';
const RESEED = process.argv.includes('--reseed');
const KEY = Buffer.alloc(32, 7);

async function ensureDatabase(): Promise<boolean> {
  const u = new URL(DB_URL);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString() });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount;
  if (exists && RESEED) await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
  const fresh = !exists || RESEED;
  if (fresh) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return fresh;
}

const time = async <T>(label: string, work: () => Promise<T>): Promise<{ ms: number; result: T }> => {
  const t0 = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label}: ${(ms / 1000).toFixed(2)} s`);
  return { ms, result };
};

export async function main(): Promise<void> {
  const fresh = await ensureDatabase();
  await runMigrations(loadEnv({ DATABASE_URL: DB_URL, NODE_ENV: 'test' }));
  const db = new Client({ connectionString: DB_URL });
  await db.connect();
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM subscribers`)).rows;
  let topicId: string;
  if (fresh || n !== ROWS) {
    await db.query(`TRUNCATE subscribers, blasts, topics CASCADE`);
    await time('seed 1,000,000 subscribers', () =>
      db.query(`
        INSERT INTO subscribers (email, first_name, status, frequency, created_at)
        SELECT 'person' || i || '@example.org', CASE WHEN i % 4 = 0 THEN NULL ELSE 'Person' || i END,
               CASE WHEN i % 100 < 85 THEN 'subscribed' WHEN i % 100 < 90 THEN 'unconfirmed' WHEN i % 100 < 97 THEN 'unsubscribed'
                    WHEN i % 100 < 99 THEN 'bounced' ELSE 'complained' END,
               CASE WHEN i % 50 < 40 THEN 'all' WHEN i % 50 < 45 THEN 'weekly' WHEN i % 50 < 48 THEN 'monthly' ELSE 'important_only' END,
               now() - (i % 1000) * interval '1 hour'
          FROM generate_series(1, ${ROWS}) i`),
    );
    topicId = (await db.query(`INSERT INTO topics (name) VALUES ('Election security') RETURNING id`)).rows[0].id;
    await db.query(`INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) SELECT id, $1 FROM subscribers WHERE abs(hashtext(id::text)) % 100 < 3`, [topicId]);
    const earlier = (await db.query(`INSERT INTO blasts (name, subject, html_body, status, frozen_at) VALUES ('Earlier', 'x', 'x', 'sent', now() - interval '3 days') RETURNING id`)).rows[0].id;
    await time('seed an earlier blast sent to 300,000 (3 days ago)', () =>
      db.query(
        `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, seq, created_at, sent_at)
         SELECT $1, id, 'sent', row_number() OVER (), now() - interval '3 days', now() - interval '3 days'
           FROM (SELECT id FROM subscribers WHERE status = 'subscribed' ORDER BY id LIMIT 300000) s`,
        [earlier],
      ),
    );
    await db.query(`VACUUM ANALYZE subscribers`);
    await db.query(`VACUUM ANALYZE blast_deliveries`);
    await db.query(`VACUUM ANALYZE subscriber_topic_opt_outs`);
  } else {
    topicId = (await db.query(`SELECT id FROM topics LIMIT 1`)).rows[0].id;
    const old = (await db.query(`SELECT id FROM blasts WHERE name LIKE 'Bench freeze%'`)).rows.map((r) => r.id);
    await db.query(`DELETE FROM blast_deliveries WHERE blast_id = ANY ($1::uuid[]) OR blast_id NOT IN (SELECT id FROM blasts)`, [old]);
    await db.query(`DELETE FROM blasts WHERE id = ANY ($1::uuid[])`, [old]);
    await db.query(`VACUUM blast_deliveries`);
  }

  const freeze = async (name: string) => {
    const blast = (await db.query(`INSERT INTO blasts (name, subject, html_body, status, topic_id, started_at) VALUES ($1, 'x', 'x', 'sending', $2, now()) RETURNING id, random_seed`, [name, topicId])).rows[0];
    const r = await time(`freeze ${name}`, async () => {
      await db.query('BEGIN');
      await db.query(`SELECT pg_advisory_xact_lock($1)`, [FREEZE_LOCK_KEY]);
      await db.query(`SET LOCAL work_mem = '128MB'`);
      const counts = (await db.query(freezeSql('TRUE', false), [blast.id, 'normal', 2, topicId, KEY, null, blast.random_seed])).rows[0];
      await db.query(`UPDATE blasts SET frozen_at = now(), batch_size = 500, batch_count = $2 WHERE id = $1`, [blast.id, Math.ceil(counts.pending / 500)]);
      await db.query('COMMIT');
      await db.query('ANALYZE blast_deliveries'); // as BlastQueueService.freeze does
      return counts;
    });
    const reasons = (await db.query(`SELECT coalesce(skip_reason, status) AS k, count(*)::int AS n FROM blast_deliveries WHERE blast_id = $1 GROUP BY 1 ORDER BY 1`, [blast.id])).rows;
    return { id: blast.id as string, ms: r.ms, counts: r.result, reasons };
  };
  // Floor: the same million rows written into the same table and indexes with no rules at all.
  const base = (await db.query(`INSERT INTO blasts (name, subject, html_body, status) VALUES ('Bench freeze baseline', 'x', 'x', 'cancelled') RETURNING id`)).rows[0].id;
  const floor = await time('baseline: plain INSERT … SELECT of 1,000,000 ledger rows', () =>
    db.query(`INSERT INTO blast_deliveries (blast_id, subscriber_id, status, seq) SELECT $1, id, 'skipped', NULL FROM subscribers`, [base]),
  );
  await db.query(`DELETE FROM blast_deliveries WHERE blast_id = $1`, [base]);
  await db.query(`VACUUM blast_deliveries`);
  const a = await freeze('Bench freeze A');
  const b = await freeze('Bench freeze B');

  const claim = claimSql();
  const claims: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    await db.query('BEGIN');
    await db.query(claim, [a.id, i * 500, i * 500 + 500, 50, 'bench', 'normal', 2, topicId, KEY, randomUUID()]);
    await db.query('ROLLBACK');
    claims.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  claims.sort((x, y) => x - y);
  const pb = await time('pending batches of A', () => db.query(PENDING_BATCHES_SQL, [a.id, 500, 100000]));
  await db.end();

  const row = (label: string, f: typeof a) =>
    `| ${label} | ${(f.ms / 1000).toFixed(2)} s | ${f.counts.total.toLocaleString('en-US')} | ${f.counts.pending.toLocaleString('en-US')} | ${f.reasons
      .filter((r: { k: string }) => r.k !== 'pending')
      .map((r: { k: string; n: number }) => `${r.k} ${r.n.toLocaleString('en-US')}`)
      .join(', ')} |`;
  const md = [
    `Freeze bench, ${new Date().toISOString().slice(0, 16)} UTC — ${cpus().length} vCPU, load ${loadavg().map((l) => l.toFixed(1)).join('/')}`,
    '',
    '| freeze (1,000,000 subscribers, org cap 2/day, topic with 3 % opt-outs) | time | rows written | pending | skipped by reason |',
    '|---|---:|---:|---:|---|',
    row('A (after an earlier blast to 300k, 3 days ago)', a),
    row('B (right after A: A\'s 800k pending rows count in the caps)', b),
    `| baseline: plain INSERT … SELECT of the same 1,000,000 rows, no rules | ${(floor.ms / 1000).toFixed(2)} s | 1,000,000 | – | – |`,
    '',
    'Freeze times include the ANALYZE that follows each freeze (BlastQueueService.freeze does the same).',
    `claimSql, 50-row chunk with re-checks (20 runs, rolled back): median ${claims[10].toFixed(1)} ms, max ${claims[19].toFixed(1)} ms; ` +
      `reconciler pending-batches query over A: ${pb.ms.toFixed(0)} ms (${pb.result.rows.length} batches).`,
  ].join('\n');
  writeFileSync(join(__dirname, 'freeze-latest.md'), `${md}\n`);
  console.log(`\n${md}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
