/**
 * Senate leadership roles a petition may target (TGT-2). The roster's `leadership_roles[].title` is free text;
 * `roleForTitle` maps the titles that mean one of these offices and ignores the rest (conference chairs, House).
 */
export const LEADERSHIP_ROLES = [
  'majority_leader',
  'minority_leader',
  'majority_whip',
  'minority_whip',
  'president_pro_tempore',
] as const;
export type LeadershipRole = (typeof LEADERSHIP_ROLES)[number];

/** How a role reads on a page or in a packet: "John Thune, Senate Majority Leader". */
export const ROLE_LABELS: Record<LeadershipRole, string> = {
  majority_leader: 'Senate Majority Leader',
  minority_leader: 'Senate Minority Leader',
  majority_whip: 'Senate Majority Whip',
  minority_whip: 'Senate Minority Whip',
  president_pro_tempore: 'President pro tempore of the Senate',
};

const TITLE_PATTERNS: [RegExp, LeadershipRole][] = [
  [/^senate majority leader$/, 'majority_leader'],
  [/^senate minority leader$/, 'minority_leader'],
  [/^senate (majority whip|assistant majority leader)$/, 'majority_whip'],
  [/^senate (minority whip|assistant minority leader)$/, 'minority_whip'],
  [/^(president pro tempore of the senate|senate president pro tempore|president pro tempore)$/, 'president_pro_tempore'],
];

/**
 * The role a roster title denotes, or null. The title decides, not the `chamber` field: the data has a Senate
 * title recorded with `chamber: house`.
 */
export function roleForTitle(title: string): LeadershipRole | null {
  const t = title.trim().toLowerCase().replace(/\s+/g, ' ');
  for (const [pattern, role] of TITLE_PATTERNS) if (pattern.test(t)) return role;
  return null;
}

export function isLeadershipRole(value: unknown): value is LeadershipRole {
  return typeof value === 'string' && (LEADERSHIP_ROLES as readonly string[]).includes(value);
}
