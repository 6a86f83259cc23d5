import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * ZIP → USPS state (SUB-1), from the bundled GeoNames tables in `data/` (see data/README.md for attribution).
 * Loaded once, lazily; both src/ (jest) and dist/ sit two levels below the project root.
 */
const DATA_DIR = join(__dirname, '..', '..', 'data');

interface ZipTables {
  prefixes: Map<string, string>;
  exceptions: Map<string, string>;
}

let tables: ZipTables | undefined;

function load(): ZipTables {
  if (tables) return tables;
  const prefixes = JSON.parse(readFileSync(join(DATA_DIR, 'zip3-states.json'), 'utf8')) as Record<string, string>;
  const multi = JSON.parse(readFileSync(join(DATA_DIR, 'zip3-multistate.json'), 'utf8')) as {
    zip5_exceptions: Record<string, string>;
  };
  tables = { prefixes: new Map(Object.entries(prefixes)), exceptions: new Map(Object.entries(multi.zip5_exceptions)) };
  return tables;
}

/** The 50 states, which each have two senators. */
export const SENATE_STATES: ReadonlySet<string> = new Set(
  ('AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY').split(' '),
);

/** Every code a US postal address may carry: states, DC, territories, freely associated states, military. */
export const USPS_STATE_CODES: ReadonlySet<string> = new Set([
  ...SENATE_STATES,
  ...'DC PR VI GU AS MP FM MH PW AA AE AP'.split(' '),
]);

export const ZIP_PATTERN = /^[0-9]{5}(-[0-9]{4})?$/;

/**
 * Canonical ZIP: `12345` or `12345-6789` (a bare 9-digit ZIP gets its hyphen). Returns null when the value is not
 * a ZIP at all, so callers can report it.
 */
export function normalizeZip(zip: string): string | null {
  const z = zip.trim();
  if (/^[0-9]{9}$/.test(z)) return `${z.slice(0, 5)}-${z.slice(5)}`;
  return ZIP_PATTERN.test(z) ? z : null;
}

/**
 * USPS code of a ZIP (5 digits or ZIP+4): the 5-digit exceptions first, then the 3-digit prefix. Null when the
 * ZIP is malformed or its prefix is unassigned.
 */
export function stateForZip(zip: string): string | null {
  const z = normalizeZip(zip ?? '');
  if (!z) return null;
  const t = load();
  return t.exceptions.get(z.slice(0, 5)) ?? t.prefixes.get(z.slice(0, 3)) ?? null;
}

/** False for DC, territories and military codes: a person there has no "own senators". */
export function hasSenators(state: string): boolean {
  return SENATE_STATES.has((state ?? '').toUpperCase());
}

/** True for any USPS state, territory or military code (upper-case expected). */
export function isUspsState(state: string): boolean {
  return USPS_STATE_CODES.has(state);
}
