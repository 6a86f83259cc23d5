import { load } from 'js-yaml';
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
