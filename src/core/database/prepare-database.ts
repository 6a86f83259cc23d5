import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Env } from '../config/env';
import { dataSourceOptions } from './data-source';

export class DatabaseNotMigratedError extends Error {}

const MIGRATION_LOCK = 4_242_001; // pg_advisory_lock key: one migrator at a time (api and worker start together)

/** CREATE DATABASE when the configured one does not exist yet (a first run needs no manual step). */
export async function ensureDatabaseExists(env: Env): Promise<void> {
  const url = new URL(env.DATABASE_URL);
  const name = env.databaseName;
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by the other process
      });
      new Logger('Database').log(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Apply pending migrations under an advisory lock; returns the names applied. */
export async function runMigrations(env: Env): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(env));
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await ds.destroy();
  }
}

export async function pendingMigrations(env: Env): Promise<boolean> {
  const ds = new DataSource(dataSourceOptions(env));
  await ds.initialize();
  try {
    return await ds.showMigrations();
  } finally {
    await ds.destroy();
  }
}

/** Before the app boots: create the database, then migrate (MIGRATE_ON_START) or refuse to run on an old schema. */
export async function prepareDatabase(env: Env): Promise<void> {
  await ensureDatabaseExists(env);
  if (env.MIGRATE_ON_START) {
    const applied = await runMigrations(env);
    if (applied.length) new Logger('Database').log(`applied ${applied.length} migration(s)`);
  } else if (await pendingMigrations(env)) {
    throw new DatabaseNotMigratedError(
      `Database ${env.databaseName} has pending migrations. Run: npm run migration:run (or set MIGRATE_ON_START=true)`,
    );
  }
}
