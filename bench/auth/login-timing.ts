/**
 * Issue 14: does a sign-in answer tell, by its time, whether an account exists? Wrong password, unknown address,
 * disabled account and an invitation not accepted yet (no password) must cost the same: each checks an argon2id hash
 * (a dummy one when there is no account). Also the cost of a right password (argon2id + a session).
 *
 *   npm run bench:login                         # 200 requests per kind, interleaved, sequential
 *   npm run bench:login -- --requests 100 --no-build
 *
 * The app runs as a built api process (database cloture_bench_login) with the throttle raised out of the way and a
 * random X-Forwarded-For per request. Kinds are interleaved round-robin, so load on a shared machine hits each alike.
 */
import { PasswordHasher } from '../../src/users/password-hasher';
import { arg, buildApp, dropRedisPrefix, fmt, freshDatabase, log, machine, median, pg, randomIp, startApp, stop, writeReport } from '../support/bench-process';

const DATABASE = 'cloture_bench_login';
const REQUESTS = arg('--requests', 200);
const PORT = arg('--port', 3397);
const PASSWORD = 'bench password, long enough';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  buildApp();
  await freshDatabase(DATABASE);
  const app = await startApp(DATABASE, PORT, { TRUST_PROXY: 'true', LOGIN_ATTEMPTS_PER_ACCOUNT: '1000000', LOGIN_ATTEMPTS_PER_IP: '1000000' }, false);
  try {
    const db = await pg(DATABASE);
    const hash = await new PasswordHasher().hash(PASSWORD);
    await db.query(
      `INSERT INTO users (email, role, password_hash, disabled_at, invite_expires_at) VALUES
         ('active@example.org', 'organizer', $1, NULL, NULL),
         ('disabled@example.org', 'organizer', $1, now(), NULL),
         ('invited@example.org', 'organizer', NULL, NULL, now() + interval '7 days')`,
      [hash],
    );
    await db.end();
    const kinds: Record<string, { email: string; password: string; status: number }> = {
      'right password': { email: 'active@example.org', password: PASSWORD, status: 200 },
      'wrong password': { email: 'active@example.org', password: 'not the password at all', status: 401 },
      'unknown address': { email: 'nobody@example.org', password: PASSWORD, status: 401 },
      'disabled account': { email: 'disabled@example.org', password: PASSWORD, status: 401 },
      'invited, no password yet': { email: 'invited@example.org', password: PASSWORD, status: 401 },
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
    const bodies = new Map<string, Set<string>>();
    for (let i = 0; i < REQUESTS + 10; i++) {
      for (const [kind, k] of Object.entries(kinds)) {
        const started = process.hrtime.bigint();
        const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': randomIp() },
          body: JSON.stringify({ email: k.email, password: k.password }),
        });
        const text = await res.text();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.status !== k.status) throw new Error(`${kind}: expected ${k.status}, got ${res.status} ${text}`);
        if (i >= 10) times[kind].push(ms); // the first rounds warm up connections and the JIT
        if (res.status === 401) (bodies.get('401') ?? bodies.set('401', new Set()).get('401')!).add(text);
      }
    }
    const rows = Object.entries(times).map(([kind, xs]) => `| ${kind} | ${fmt(median(xs), 1)} | ${fmt(percentile(xs, 90), 1)} | ${xs.length} |`);
    const failing = ['wrong password', 'unknown address', 'disabled account', 'invited, no password yet'].map((k) => median(times[k]));
    const spread = Math.max(...failing) - Math.min(...failing);
    const report = [
      `## Sign-in timing (${new Date().toISOString()}, ${machine()})`,
      '',
      '| kind | median ms | p90 ms | requests |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
      `Spread of the four refusals' medians: ${fmt(spread, 1)} ms; distinct 401 bodies: ${bodies.get('401')?.size ?? 0}.`,
    ].join('\n');
    log(`\n${report}`);
    log(`report appended to ${writeReport('login-timing', report)}`);
  } finally {
    await stop(app);
    await dropRedisPrefix(`bench_${DATABASE}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
