import { LEADERSHIP_ROLES, LeadershipRole, ROLE_LABELS } from './leadership-roles';
import type { Roster, RosterSenator } from './roster-file';

/** A senator as a diff names one. */
export interface SenatorRef {
  bioguideId: string;
  name: string;
  state: string;
  party: string | null;
}

export interface RoleMove {
  role: LeadershipRole;
  title: string;
  /** Null: the role was vacant before (or the first roster). */
  from: SenatorRef | null;
  /** Null: the role is vacant now. */
  to: SenatorRef | null;
}

/** Fields compared between two rosters, as the API names them. */
export const DIFF_FIELDS = [
  'officialName', 'firstName', 'lastName', 'state', 'party', 'senateClass', 'stateRank',
  'office', 'address', 'phone', 'url', 'contactForm', 'termStart', 'termEnd',
] as const satisfies readonly (keyof RosterSenator)[];
export type DiffField = (typeof DIFF_FIELDS)[number];

/** Values as text (senateClass "2"), so every change has one type. */
export interface FieldChange {
  field: DiffField;
  from: string | null;
  to: string | null;
}

export interface SenatorChange extends SenatorRef {
  fields: FieldChange[];
}

/** What one import changed (issue 19 item 2). Empty lists everywhere: nothing changed, nothing is written. */
export interface RosterDiff {
  arrived: SenatorRef[];
  left: SenatorRef[];
  roles: RoleMove[];
  changed: SenatorChange[];
}

export function isEmptyDiff(d: RosterDiff): boolean {
  return !d.arrived.length && !d.left.length && !d.roles.length && !d.changed.length;
}

const asText = (v: string | number | null | undefined) => (v === null || v === undefined ? null : String(v));

const ref = (s: RosterSenator): SenatorRef => ({ bioguideId: s.bioguideId, name: s.officialName, state: s.state, party: s.party });

/**
 * The difference between the stored roster (senators in office and the role holders) and a new one. Pure: the
 * importer reads `before` under its lock, in the transaction that writes `after`.
 */
export function diffRosters(
  before: { senators: RosterSenator[]; roles: Partial<Record<LeadershipRole, string>> },
  after: Roster,
): RosterDiff {
  const old = new Map(before.senators.map((s) => [s.bioguideId, s]));
  const now = new Map(after.senators.map((s) => [s.bioguideId, s]));
  const byOrder = (a: SenatorRef, b: SenatorRef) => a.state.localeCompare(b.state) || a.name.localeCompare(b.name);
  const arrived = after.senators.filter((s) => !old.has(s.bioguideId)).map(ref).sort(byOrder);
  const left = before.senators.filter((s) => !now.has(s.bioguideId)).map(ref).sort(byOrder);
  const changed: SenatorChange[] = [];
  for (const s of after.senators) {
    const was = old.get(s.bioguideId);
    if (!was) continue;
    const fields = DIFF_FIELDS.filter((f) => (was[f] ?? null) !== (s[f] ?? null)).map((f) => ({ field: f, from: asText(was[f]), to: asText(s[f]) }));
    if (fields.length) changed.push({ ...ref(s), fields });
  }
  changed.sort(byOrder);
  const holderNow = new Map(after.roles.map((r) => [r.role, r.bioguideId]));
  const senatorRef = (id: string | undefined, pool: Map<string, RosterSenator>, other: Map<string, RosterSenator>) => {
    if (!id) return null;
    const s = pool.get(id) ?? other.get(id);
    return s ? ref(s) : { bioguideId: id, name: id, state: '', party: null };
  };
  const roles: RoleMove[] = [];
  for (const role of LEADERSHIP_ROLES) {
    const from = before.roles[role];
    const to = holderNow.get(role);
    if (from === to) continue;
    roles.push({ role, title: ROLE_LABELS[role], from: senatorRef(from, old, now), to: senatorRef(to, now, old) });
  }
  return { arrived, left, roles, changed };
}
