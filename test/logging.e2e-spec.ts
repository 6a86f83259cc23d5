import { Client } from 'pg';
import { freePort, startNode, waitUntil } from './support/process';
import { adminQuery, runId, serverUrl } from './support/test-database';

/** An ANSI escape (colour codes of Nest's text logger). */
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

/** Every line a process printed, each required to be one JSON object (OPS-2). */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line.slice(0, 300)}`);
      }
    });
}

/**
 * OPS-2, SEC-5: the real processes' output. Every line is JSON from the very first (database creation, migrations),
 * and a failed statement is one line naming it by verb, table and hash with its SQLSTATE — never its SQL text, its
 * parameters (keys, addresses) or PostgreSQL's DETAIL.
 */
describe('Logs of the real processes (OPS-2, SEC-5)', () => {
  const dbName = `cloture_test_${runId()}_logging`;
  const admin = 'clk_logging_test_admin_key_0123456789abcdef01';
  const env = (port: number) => ({
    DATABASE_URL: serverUrl(dbName),
    REDIS_PREFIX: `clt_${runId()}_logging`,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    ADMIN_API_KEY: admin,
    TOKEN_SECRET: 'logging-test-token-secret-0123456789abcdefghij',
    MAIL_OUTBOX_DIR: `/tmp/cloture-test-outbox/${dbName}`,
  });
  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}_cli" WITH (FORCE)`);
  });

  it('writes only JSON lines from the first, and logs a failed statement without its SQL, parameters or values', async () => {
    const port = await freePort();
    const p = startNode('dist/main.js', ['--with-worker'], env(port));
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    try {
      await waitUntil(async () => (await fetch(`${base}/health/ready`)).status === 200, 60_000, 'readiness');
      // Break a table the subscriber upsert reads, then send an address: the statement fails with the address and
      // the suppression hashes among its parameters.
      const db = new Client({ connectionString: serverUrl(dbName) });
      await db.connect();
      await db.query(`ALTER TABLE suppressions RENAME TO suppressions_away`);
      try {
        const res = await fetch(`${base}/api/v1/subscribers`, { method: 'POST', headers, body: JSON.stringify({ email: 'secret.person@example.org', firstName: 'Secret' }) });
        expect(res.status).toBeGreaterThanOrEqual(400);
        const text = await res.text();
        expect(text).not.toMatch(/suppressions|SELECT|INSERT|secret\.person/i);
      } finally {
        await db.query(`ALTER TABLE suppressions_away RENAME TO suppressions`);
        await db.end();
      }
      await waitUntil(async () => /42P01/.test(p.output()), 5_000, 'the failure to be logged');
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    const out = p.output();
    const lines = jsonLines(out);
    expect(lines[0]).toMatchObject({ context: 'Database', msg: expect.stringMatching(/^created database /) });
    expect(lines.some((l) => /^applied \d+ migration\(s\)$/.test(String(l.msg)))).toBe(true);
    const failure = lines.find((l) => /query failed/.test(String(l.msg)));
    expect(failure).toMatchObject({ context: 'Database', msg: expect.stringMatching(/^query failed: (INSERT|SELECT|WITH)\S* \S+ #[0-9a-f]{12}: database error 42P01: /) });
    expect(out).not.toMatch(/secret\.person|PARAMETERS|suppressions_away\b.*\$1|\[[0-9a-f]{64}/i);
    expect(out).not.toMatch(ANSI); // no ANSI colour codes anywhere
  });

  it('the CLI prints its result on stdout and JSON log lines on stderr, without colours', async () => {
    const port = await freePort();
    // A database without a roster and no snapshot to load: the app warns while the CLI builds it.
    const cliEnv = { ...env(port), DATABASE_URL: serverUrl(`${dbName}_cli`), LEGISLATORS_SNAPSHOT_FILE: '/nonexistent/legislators.yaml' };
    const create = startNode('dist/cli.js', ['api-keys:create', '--name', 'logging check'], cliEnv);
    expect(await create.exited).toBe(0);
    const out = create.output();
    const resultLines = out.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
    expect(resultLines).toEqual([expect.stringMatching(/^Created admin key "logging check"/), expect.stringMatching(/^clk_/)]);
    const logs = jsonLines(out.split('\n').filter((l) => !resultLines.includes(l)).join('\n'));
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/no senators stored and no roster snapshot/) }));
    expect(out).not.toMatch(ANSI);
    const bad = startNode('dist/cli.js', ['legislators:import', '/nonexistent/roster.yaml'], { ...cliEnv, LOG_LEVEL: 'debug' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).not.toMatch(ANSI);
    expect(bad.output()).toMatch(/legislators:import failed: ENOENT/);
  });
});
