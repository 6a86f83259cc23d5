import { load } from 'js-yaml';
import { SENATE_STATES } from '../subscribers/zip-states';
import { LeadershipRole, roleForTitle } from './leadership-roles';

/** One current senator as the importer stores it. */
export interface RosterSenator {
  bioguideId: string;
  officialName: string;
  firstName: string;
  lastName: string;
  state: string;
  party: string | null;
  senateClass: number | null;
  stateRank: 'senior' | 'junior' | null;
  office: string | null;
  address: string | null;
  phone: string | null;
  url: string | null;
  contactForm: string | null;
  termStart: string | null;
  termEnd: string | null;
}

export interface RosterRole {
  role: LeadershipRole;
  bioguideId: string;
  title: string;
  since: string | null;
}

export interface Roster {
  senators: RosterSenator[];
  roles: RosterRole[];
}

export class RosterFormatError extends Error {}

const BIOGUIDE = /^[A-Z][0-9]{6}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
/** YAML may type dates as Date objects under some schemas; normalize to YYYY-MM-DD. */
const date = (v: unknown): string | null => {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  const s = str(v);
  return s && DATE.test(s) ? s : null;
};

/** Parse the congress-legislators file: YAML (`legislators-current.yaml`) or its JSON twin. */
export function parseRosterText(text: string): unknown {
  const trimmed = text.trimStart();
  try {
    return trimmed.startsWith('[') || trimmed.startsWith('{') ? JSON.parse(trimmed) : load(text);
  } catch (e) {
    throw new RosterFormatError(`not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Current senators and their current leadership roles. A person is a senator when their LAST term is `sen`
 * (they are current because they are in the file — the data README warns against comparing `end` with today);
 * a role is current when it has no `end` or one on/after `today`.
 */
export function rosterFromData(data: unknown, today = new Date().toISOString().slice(0, 10)): Roster {
  if (!Array.isArray(data)) throw new RosterFormatError('expected a list of legislators (congress-legislators format)');
  const senators: RosterSenator[] = [];
  const roles = new Map<LeadershipRole, RosterRole>();
  const seen = new Set<string>();
  data.forEach((person, i) => {
    if (!isObj(person) || !Array.isArray(person.terms) || person.terms.length === 0) {
      throw new RosterFormatError(`record ${i}: expected an object with a non-empty terms list`);
    }
    const term = person.terms[person.terms.length - 1];
    if (!isObj(term) || term.type !== 'sen') return;
    const id = isObj(person.id) ? str(person.id.bioguide) : null;
    const name = isObj(person.name) ? person.name : {};
    const state = str(term.state);
    if (!id || !BIOGUIDE.test(id)) throw new RosterFormatError(`record ${i}: missing or malformed id.bioguide`);
    if (seen.has(id)) throw new RosterFormatError(`record ${i}: bioguide id ${id} appears twice`);
    if (!state || !/^[A-Z]{2}$/.test(state)) throw new RosterFormatError(`record ${i} (${id}): missing or malformed state`);
    const first = str(name.first);
    const last = str(name.last);
    if (!first || !last) throw new RosterFormatError(`record ${i} (${id}): missing name.first or name.last`);
    seen.add(id);
    const rank = str(term.state_rank);
    const cls = typeof term.class === 'number' && [1, 2, 3].includes(term.class) ? term.class : null;
    senators.push({
      bioguideId: id,
      officialName: str(name.official_full) ?? `${str(name.nickname) ?? first} ${last}`,
      firstName: first,
      lastName: last,
      state,
      party: str(term.party),
      senateClass: cls,
      stateRank: rank === 'senior' || rank === 'junior' ? rank : null,
      office: str(term.office),
      address: str(term.address),
      phone: str(term.phone),
      url: str(term.url),
      contactForm: str(term.contact_form),
      termStart: date(term.start),
      termEnd: date(term.end),
    });
    const personRoles = Array.isArray(person.leadership_roles) ? person.leadership_roles : [];
    for (const r of personRoles) {
      if (!isObj(r)) continue;
      const title = str(r.title);
      const role = title ? roleForTitle(title) : null;
      if (!role || !title) continue;
      const end = date(r.end);
      if (end && end < today) continue;
      const since = date(r.start);
      const held = roles.get(role);
      // Two current holders would be a data error; the most recent start wins.
      if (!held || (since ?? '') > (held.since ?? '')) roles.set(role, { role, bioguideId: id, title, since });
    }
  });
  if (senators.length === 0) throw new RosterFormatError('the file lists no current senators (terms[-1].type == "sen")');
  return { senators, roles: [...roles.values()] };
}

export function parseRoster(text: string, today?: string): Roster {
  return rosterFromData(parseRosterText(text), today);
}

/** A whole Senate: two senators for each of the 50 states. */
export const SENATE_SEATS = SENATE_STATES.size * 2;

/**
 * The fewest current senators a roster may list and still pass for a whole Senate. Real Senates have a few seats
 * vacant at a time (death or resignation, until the governor appoints); a truncated download lacks dozens.
 */
export const MIN_CURRENT_SENATORS = 95;

/** The roster parsed but does not look like a whole Senate; importing it would mark the missing senators departed. */
export class IncompleteRosterError extends Error {
  constructor(readonly problems: string[]) {
    super(`not a whole Senate: ${problems.join('; ')}. Nothing was imported; legislators:import --force imports it anyway`);
  }
}

const states = (n: number) => (n === 1 ? '1 state has' : `${n} states have`);

export interface SenateCheck {
  /** Why this roster is not a whole Senate; empty when it is. */
  problems: string[];
  /** States with one senator: the vacancies a whole Senate may have. */
  vacancies: string[];
}

/**
 * Whether this roster looks like a whole Senate. The congress-legislators file records no vacancies, so they are
 * inferred from counts: a state with ONE senator is a vacancy, accepted while the roster still lists at least
 * MIN_CURRENT_SENATORS (so at most five); never accepted are a state with no senator or with more than two, a
 * senator for a place without Senate seats (DC, territories), or both senators of a state in the same class.
 */
export function checkWholeSenate(roster: Roster): SenateCheck {
  const byState = new Map<string, RosterSenator[]>();
  for (const s of roster.senators) byState.set(s.state, [...(byState.get(s.state) ?? []), s]);
  const count = (state: string) => byState.get(state)?.length ?? 0;
  const senateStates = [...SENATE_STATES];
  const total = roster.senators.length;
  const problems: string[] = [];
  if (total < MIN_CURRENT_SENATORS) {
    problems.push(`${total} current senators (a whole Senate has ${SENATE_SEATS}; at least ${MIN_CURRENT_SENATORS} needed)`);
  }
  const none = senateStates.filter((s) => count(s) === 0);
  if (none.length) problems.push(`${states(none.length)} no senator: ${none.join(', ')}`);
  const one = senateStates.filter((s) => count(s) === 1);
  if (one.length && total < MIN_CURRENT_SENATORS) problems.push(`${states(one.length)} only one: ${one.join(', ')}`);
  const over = senateStates.filter((s) => count(s) > 2);
  if (over.length) problems.push(`${states(over.length)} more than two: ${over.map((s) => `${s} (${count(s)})`).join(', ')}`);
  const elsewhere = [...byState.keys()].filter((s) => !SENATE_STATES.has(s)).sort();
  if (elsewhere.length) {
    problems.push(`senators listed for places without Senate seats: ${elsewhere.map((s) => `${s} (${count(s)})`).join(', ')}`);
  }
  const sameSeat = senateStates.filter((s) => {
    const [a, b] = byState.get(s) ?? [];
    return count(s) === 2 && a.senateClass !== null && a.senateClass === b.senateClass;
  });
  if (sameSeat.length) {
    problems.push(`${states(sameSeat.length)} both senators in one seat: ${sameSeat.map((s) => `${s} (class ${byState.get(s)![0].senateClass})`).join(', ')}`);
  }
  return { problems, vacancies: problems.length ? [] : one };
}
