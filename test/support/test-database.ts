import { Client } from 'pg';

/** The local server the tests use; override with TEST_DATABASE_URL (its database part is ignored). */
export function serverUrl(database = 'postgres'): string {
  const u = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery<T = unknown>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export const runId = () => process.env.CLOTURE_TEST_RUN as string;
export const templateName = () => `cloture_test_${runId()}_tpl`;

/** A fresh, migrated database for one app: a copy of the run's template (migrated once in global setup). */
export async function createTestDatabase(label: string): Promise<string> {
  const name = `cloture_test_${runId()}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`);
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
