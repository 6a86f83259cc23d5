import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { claimSql, estimateAudienceSql, freezeSql } from '../src/blasts/blast-queries';
import { createTestDatabase, dropTestDatabase, serverUrl } from './support/test-database';

/**
 * Every named SQL statement of every module (`*-queries.ts`), and every variant a builder can produce, is prepared
 * against the migrated schema: PostgreSQL resolves tables, columns, functions and parameter types at PREPARE time,
 * so a statement that can never run fails here — not in production on the first day its branch is taken. (The
 * freeze's suppression check, compiled only once the suppressions table held a row, named a function that does not
 * exist — hmac(text, bytea) — and every blast after the first erasure failed.)
 */
const SRC = join(__dirname, '..', 'src');

function queryFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return queryFiles(p);
    return /-queries\.ts$/.test(name) ? [p] : [];
  });
}

const looksLikeSql = (v: unknown): v is string => typeof v === 'string' && /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(v);
/** Session tables a module creates before its statements run (`*_TABLE_SQL`, e.g. the import's temp tables). */
const isTableSql = (name: string, v: unknown): v is string => /_TABLE_SQL$/.test(name) && typeof v === 'string';

/** Statements of the builders, in every shape they take (each flag both ways). */
const BUILT: [string, string][] = [
  ['freezeSql(segment TRUE, no suppressions)', freezeSql('TRUE', false)],
  ['freezeSql(segment TRUE, with suppressions)', freezeSql('TRUE', true)],
  ['freezeSql(segment with a parameter, with suppressions)', freezeSql(`s.state = ANY ($8::text[])`, true)],
  ['claimSql()', claimSql()],
  ['estimateAudienceSql(segment TRUE, no suppressions)', estimateAudienceSql('TRUE', false)],
  ['estimateAudienceSql(segment with a parameter, with suppressions)', estimateAudienceSql(`s.state = ANY ($8::text[])`, true)],
];

describe('Named SQL statements prepare against the migrated schema', () => {
  let db: string;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('sql_statements');
    client = new Client({ connectionString: serverUrl(db) });
    await client.connect();
    // One transaction for the whole file: ON COMMIT DROP temp tables live until the end.
    await client.query('BEGIN');
    // In dependency order, whatever order the modules export them in: retry the ones that need another first.
    let pending = queryFiles(SRC).flatMap((file) => Object.entries(require(file) as Record<string, unknown>).filter(([n, v]) => isTableSql(n, v)).map(([, v]) => v as string));
    for (let pass = 0; pending.length && pass < 5; pass++) {
      const failed: string[] = [];
      for (const sql of pending) {
        await client.query('SAVEPOINT ddl');
        await client.query(sql).then(() => client.query('RELEASE SAVEPOINT ddl'), () => (failed.push(sql), client.query('ROLLBACK TO SAVEPOINT ddl')));
      }
      pending = failed;
    }
    if (pending.length) throw new Error(`session tables that cannot be created: ${pending.join('; ')}`);
  });
  afterAll(async () => {
    await client?.query('ROLLBACK').catch(() => undefined);
    await client?.end();
    if (db) await dropTestDatabase(db);
  });

  const named = queryFiles(SRC).flatMap((file) =>
    Object.entries(require(file) as Record<string, unknown>)
      .filter(([, v]) => looksLikeSql(v))
      .map(([name, sql]) => [`${file.slice(SRC.length + 1)} ${name}`, sql as string] as [string, string]),
  );

  it('finds the statements of every module', () => {
    expect(named.length).toBeGreaterThan(40);
    for (const mod of ['blasts', 'bounces', 'petitions', 'preferences', 'subscribers', 'legislators']) {
      expect(named.some(([n]) => n.startsWith(`${mod}/`))).toBe(true);
    }
  });

  it.each([...named, ...BUILT])('%s', async (_name, sql) => {
    // A savepoint per statement: one that fails must not abort the transaction the others run in.
    await client.query('SAVEPOINT stmt');
    try {
      await client.query(`PREPARE stmt AS ${sql}`);
      await client.query('DEALLOCATE stmt');
    } finally {
      await client.query('ROLLBACK TO SAVEPOINT stmt');
    }
  });
});
