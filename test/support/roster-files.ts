import { load } from 'js-yaml';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './app';
import { startNode } from './process';
import { serverUrl } from './test-database';

/** The shipped roster (data/legislators-current.yaml): 537 members of Congress, 100 of them senators. */
export const SHIPPED_ROSTER = join(__dirname, '..', '..', 'data', 'legislators-current.yaml');

type Person = { terms: { type: string }[] };

/**
 * The shipped YAML cut at a record boundary just before its (senators + 1)th senator, as an interrupted download
 * or a careless copy would leave it: still valid YAML, every record whole.
 */
export function truncatedRosterYaml(senators: number): string {
  const text = readFileSync(SHIPPED_ROSTER, 'utf8');
  const starts = [...text.matchAll(/^- /gm)].map((m) => m.index);
  const people = load(text) as Person[];
  if (starts.length !== people.length) throw new Error('every top-level record should start with "- "');
  let seen = 0;
  const cut = people.findIndex((p) => p.terms[p.terms.length - 1].type === 'sen' && ++seen > senators);
  return cut === -1 ? text : text.slice(0, starts[cut]);
}

/** Write the truncated roster as YAML or as its JSON twin; returns the path. */
export function writeTruncatedRoster(senators: number, format: 'yaml' | 'json' = 'yaml'): string {
  const yaml = truncatedRosterYaml(senators);
  const file = join(mkdtempSync(join(tmpdir(), 'cloture-roster-')), `legislators-current.${format}`);
  writeFileSync(file, format === 'yaml' ? yaml : JSON.stringify(load(yaml)));
  return file;
}

/** `npm run cli -- legislators:import <args>` against the test app's database, as its own process. */
export async function importWithCli(t: TestApp, ...args: string[]): Promise<{ code: number | string; output: string }> {
  return importWithCliEnv(t, {}, ...args);
}

/** importWithCli with extra environment variables (e.g. LEGISLATORS_SOURCE_ALLOW_HTTP, NODE_EXTRA_CA_CERTS). */
export async function importWithCliEnv(t: TestApp, env: Record<string, string>, ...args: string[]): Promise<{ code: number | string; output: string }> {
  const p = startNode('dist/cli.js', ['legislators:import', ...args], {
    ...env,
    NODE_ENV: 'test',
    DATABASE_URL: serverUrl(t.database),
    MIGRATE_ON_START: 'false',
    REDIS_URL: t.env.REDIS_URL,
    REDIS_PREFIX: t.env.REDIS_PREFIX,
    LOG_LEVEL: 'warn',
    MAIL_OUTBOX_DIR: t.env.MAIL_OUTBOX_DIR,
  });
  const code = await p.exited;
  return { code, output: p.output() };
}
