import { load } from 'js-yaml';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './app';

/** Bioguide ids of the shipped roster (data/legislators-current.yaml). */
export const SENATORS = {
  thune: 'T000250', // SD, Majority Leader
  rounds: 'R000605', // SD
  schumer: 'S000148', // NY, Minority Leader
  barrasso: 'B001261', // WY, Majority Whip
  durbin: 'D000563', // IL, Minority Whip
  grassley: 'G000386', // IA, President pro tempore
  bennet: 'B001267', // CO
  hickenlooper: 'H000273', // CO
} as const;

/** A Colorado ZIP (Denver), a South Dakota ZIP (Sioux Falls), a DC ZIP, and one whose prefix is unassigned. */
export const ZIPS = { colorado: '80202', southDakota: '57104', dc: '20001', newYork: '10001', unassigned: '00100' } as const;

type Person = { id: { bioguide: string }; terms: { type: string }[]; leadership_roles?: { title: string; chamber: string; start: string; end?: string }[] };

/**
 * Write a modified copy of the shipped roster (as YAML's JSON twin) and return its path: `majorityLeader` moves
 * that title to another senator (null: nobody holds it, a vacancy), `drop` removes senators (as if they had left
 * office).
 */
export function writeRosterVariant(options: RosterVariant = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloture-roster-'));
  const file = join(dir, 'legislators-current.json');
  writeFileSync(file, rosterVariantJson(options));
  return file;
}

export interface RosterVariant {
  majorityLeader?: string | null;
  drop?: string[];
}

/** The text of writeRosterVariant's file (the JSON twin), e.g. for a test server to serve. */
export function rosterVariantJson(options: RosterVariant = {}): string {
  const people = load(readFileSync(join(__dirname, '..', '..', 'data', 'legislators-current.yaml'), 'utf8')) as Person[];
  let out = people.filter((p) => !(options.drop ?? []).includes(p.id.bioguide));
  if (options.majorityLeader !== undefined) {
    out = out.map((p) => {
      const roles = (p.leadership_roles ?? []).filter((r) => !(r.title === 'Senate Majority Leader' && !r.end));
      if (p.id.bioguide === options.majorityLeader) roles.push({ title: 'Senate Majority Leader', chamber: 'senate', start: '2026-11-01' });
      return { ...p, leadership_roles: roles };
    });
  }
  return JSON.stringify(out);
}

let seq = 0;
export const uniqueSlug = (prefix = 'petition') => `${prefix}-${Date.now().toString(36)}-${++seq}`;
export const uniqueEmail = (name = 'signer') => `${name}.${Date.now().toString(36)}.${++seq}@example.org`;

export interface PetitionInput {
  slug?: string;
  title?: string;
  body?: string;
  bodyFormat?: 'markdown' | 'html';
  targets?: ({ type: 'role'; role: string } | { type: 'senator'; bioguideId: string } | { type: 'own_senators' })[];
  goal?: number;
  status?: 'open' | 'closed';
  thankYouSubject?: string;
  thankYouBody?: string;
  optInText?: string;
  shareTitle?: string | null;
  shareDescription?: string | null;
  shareImageUrl?: string | null;
  showRecentSigners?: boolean;
  embedOrigins?: string[];
}

export function petitionInput(overrides: PetitionInput = {}): Required<Pick<PetitionInput, 'slug' | 'title' | 'body' | 'targets'>> & PetitionInput {
  return {
    slug: uniqueSlug(),
    title: 'Tell Senate leadership: pass the Election Security Act',
    body: 'The Senate has sat on this bill for **two years**. Tell its leaders to bring it to the floor.',
    targets: [{ type: 'role', role: 'majority_leader' }, { type: 'role', role: 'minority_leader' }],
    goal: 1000,
    ...overrides,
  };
}

/** Create a petition through the organizer API; fails the test when it is refused. */
export async function createPetition(t: TestApp, overrides: PetitionInput = {}): Promise<any> {
  const res = await t.request('POST', '/api/v1/petitions', { body: petitionInput(overrides) });
  if (res.status !== 201) throw new Error(`petition not created: ${res.status} ${res.text}`);
  return res.body;
}

export function signatureInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { email: uniqueEmail(), firstName: 'Ada', lastName: 'Lovelace', zip: ZIPS.colorado, ...overrides };
}

/** Sign through the public endpoint (no API key). */
export function sign(t: TestApp, slug: string, overrides: Record<string, unknown> = {}, headers?: Record<string, string>) {
  return t.request('POST', `/api/v1/public/petitions/${slug}/signatures`, { key: false, body: signatureInput(overrides), headers });
}

/** Polls until `check` returns a truthy value (observable outcomes of queued work, not timing). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once the transactional mail queue has nothing waiting, delayed or running. */
export async function mailQueueIdle(t: TestApp): Promise<void> {
  const { getQueueToken } = require('@nestjs/bull') as typeof import('@nestjs/bull');
  const queue = t.app.get(getQueueToken('mail'), { strict: false }) as import('bull').Queue;
  await eventually(async () => {
    const c = await queue.getJobCounts();
    return c.waiting + c.active + c.delayed === 0;
  });
}

/** Parse the delivery CSV (simple: the packet quotes fields with commas). */
export function parseCsv(text: string): Record<string, string>[] {
  const { parse } = require('csv-parse/sync') as typeof import('csv-parse/sync');
  return parse(text, { columns: true }) as Record<string, string>[];
}
