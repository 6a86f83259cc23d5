import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { Env } from '../config/env';
import { QueryLogger } from './query-logger';

const SRC_ROOT = join(__dirname, '..', '..');
const isCode = (f: string) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/\.spec\.(ts|js)$/.test(f);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function classesIn(files: string[]): Function[] {
  return files.flatMap((f) => Object.values(require(f) as Record<string, unknown>)).filter(
    (v): v is Function => typeof v === 'function',
  );
}

/**
 * Entities are every `*.entity.ts` under src/, migrations every file in ./migrations — found on disk so that a
 * new module adds its files and nothing else. Loaded with require(), which works both from dist/ and under jest.
 */
export function entityClasses(): Function[] {
  return classesIn(walk(SRC_ROOT).filter((f) => /\.entity\.(ts|js)$/.test(f) && isCode(f)));
}

export function migrationClasses(): Function[] {
  const dir = join(__dirname, 'migrations');
  if (!existsSync(dir)) return [];
  return classesIn(readdirSync(dir).filter(isCode).sort().map((f) => join(dir, f)));
}

export function dataSourceOptions(env: Env): DataSourceOptions {
  return {
    type: 'postgres',
    url: env.DATABASE_URL,
    entities: entityClasses(),
    migrations: migrationClasses(),
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // JSON lines without SQL text or parameters (QueryLogger); statements slower than 10 s are named.
    logging: ['error', 'warn', 'migration'],
    logger: new QueryLogger(),
    maxQueryExecutionTime: 10_000,
    extra: { max: env.DATABASE_POOL_SIZE, application_name: 'cloture' },
  };
}
