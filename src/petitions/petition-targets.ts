import { LeadershipRole, ROLE_LABELS } from '../legislators/leadership-roles';
import type { SenatorView } from '../legislators/legislators.service';

/**
 * What a petition addresses (TGT-2): a leadership role (resolved to its holder when resolved), a named senator,
 * or the signer's own two senators.
 */
export type PetitionTarget =
  | { type: 'role'; role: LeadershipRole }
  | { type: 'senator'; bioguideId: string }
  | { type: 'own_senators' };

export const TARGET_TYPES = ['role', 'senator', 'own_senators'] as const;

/** One senator a signature addresses; `role` set when addressed as the holder of that role. */
export interface AddressedSenator {
  bioguideId: string;
  role: LeadershipRole | null;
  /** "John Thune, Senate Majority Leader" / "Michael F. Bennet, U.S. Senator for Colorado". */
  label: string;
  senator: SenatorView;
  via: 'role' | 'senator' | 'own_senators';
}

export const STATE_NAMES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado', CT: 'Connecticut',
  DE: 'Delaware', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa',
  KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan',
  MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana', NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire',
  NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York', NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio',
  OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania', RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota',
  TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia',
  WI: 'Wisconsin', WY: 'Wyoming', DC: 'Washington, DC', PR: 'Puerto Rico', VI: 'the U.S. Virgin Islands', GU: 'Guam',
  AS: 'American Samoa', MP: 'the Northern Mariana Islands', FM: 'Micronesia', MH: 'the Marshall Islands', PW: 'Palau',
  AA: 'a military address (AA)', AE: 'a military address (AE)', AP: 'a military address (AP)',
};

export function senatorLabel(senator: SenatorView, role: LeadershipRole | null): string {
  if (role) return `${senator.name}, ${ROLE_LABELS[role]}`;
  return `${senator.name}, U.S. Senator for ${STATE_NAMES[senator.state] ?? senator.state}`;
}

/** A targeted role nobody holds now: signatures are kept for whoever takes it. */
export function vacantRoleLabel(role: LeadershipRole): string {
  return `${ROLE_LABELS[role]} (vacant: signatures are delivered to whoever takes the role)`;
}

const longDate = (d: Date | string) => new Date(d).toLocaleDateString('en-US', { timeZone: 'UTC', dateStyle: 'long' });

/**
 * What the organizer and signers are told when a role the petition targets changed hands after it was created
 * (issue 19 item 4): who held it, who holds it now, and where signatures go.
 */
export function roleChangeNotice(m: { role: LeadershipRole; from: { name: string } | null; to: { name: string } | null; changedAt: Date | string }): string {
  const role = ROLE_LABELS[m.role];
  const when = longDate(m.changedAt);
  if (!m.to) {
    return `The ${role} has been vacant since ${when}${m.from ? ` (previously ${m.from.name})` : ''}. Signatures are kept and delivered to whoever takes the role.`;
  }
  if (!m.from) return `${m.to.name} became ${role} on ${when}. Signatures are now addressed to ${m.to.name}.`;
  return `The ${role} changed on ${when}: ${m.from.name} was succeeded by ${m.to.name}. Signatures are now addressed to ${m.to.name}.`;
}

/** Deduplicated targets in the organizer's order (the same role twice is one target). */
export function dedupeTargets(targets: PetitionTarget[]): PetitionTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = t.type === 'role' ? `role:${t.role}` : t.type === 'senator' ? `senator:${t.bioguideId}` : 'own';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
