import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { truncatedRosterYaml } from '../../test/support/roster-files';
import { roleForTitle } from './leadership-roles';
import { checkWholeSenate, parseRoster, Roster, RosterFormatError } from './roster-file';

describe('roleForTitle', () => {
  it.each([
    ['Senate Majority Leader', 'majority_leader'],
    ['senate  minority leader', 'minority_leader'],
    ['Senate Majority Whip', 'majority_whip'],
    ['Senate Minority Whip', 'minority_whip'],
    ['President Pro Tempore of the Senate', 'president_pro_tempore'],
    ['Senate Republican Conference Chair', null],
    ['House Majority Leader', null],
    ['Speaker of the House', null],
  ])('%s → %s', (title, role) => expect(roleForTitle(title)).toBe(role));
});

describe('parseRoster', () => {
  const yaml = readFileSync(join(__dirname, '..', '..', 'data', 'legislators-current.yaml'), 'utf8');

  it('reads the shipped YAML: 100 senators and the five leadership roles', () => {
    const roster = parseRoster(yaml, '2026-06-15');
    expect(roster.senators).toHaveLength(100);
    const thune = roster.senators.find((s) => s.bioguideId === 'T000250');
    expect(thune).toMatchObject({ officialName: 'John Thune', state: 'SD', party: 'Republican', stateRank: 'senior', senateClass: 3 });
    expect(Object.fromEntries(roster.roles.map((r) => [r.role, r.bioguideId]))).toEqual({
      majority_leader: 'T000250',
      minority_leader: 'S000148',
      majority_whip: 'B001261',
      minority_whip: 'D000563',
      president_pro_tempore: 'G000386',
    });
  });

  it('reads the JSON twin the same way', () => {
    const json = JSON.stringify(load(yaml));
    expect(parseRoster(json, '2026-06-15')).toEqual(parseRoster(yaml, '2026-06-15'));
  });

  it('drops roles that ended before today and ignores House members', () => {
    const data = [
      { id: { bioguide: 'A000001' }, name: { first: 'A', last: 'One' }, terms: [{ type: 'sen', state: 'CO' }],
        leadership_roles: [{ title: 'Senate Majority Leader', chamber: 'senate', start: '2021-01-03', end: '2023-01-03' }] },
      { id: { bioguide: 'B000002' }, name: { first: 'B', last: 'Two' }, terms: [{ type: 'rep', state: 'CO' }],
        leadership_roles: [{ title: 'Senate Majority Leader', chamber: 'senate', start: '2025-01-03' }] },
    ];
    const roster = parseRoster(JSON.stringify(data), '2026-01-01');
    expect(roster.senators.map((s) => s.bioguideId)).toEqual(['A000001']);
    expect(roster.roles).toEqual([]);
  });

  it('rejects what is not the format', () => {
    expect(() => parseRoster('{"a": 1}')).toThrow(RosterFormatError);
    expect(() => parseRoster('[]')).toThrow(/no current senators/);
    expect(() => parseRoster('- : [')).toThrow(RosterFormatError);
  });
});


describe('checkWholeSenate (issue 12 item 5)', () => {
  const shipped = parseRoster(readFileSync(join(__dirname, '..', '..', 'data', 'legislators-current.yaml'), 'utf8'), '2026-06-15');
  /** The shipped roster edited: senators dropped, or changed (state, class). */
  const edited = (drop: string[], change: Record<string, { state?: string; senateClass?: number }> = {}): Roster => ({
    ...shipped,
    senators: shipped.senators.filter((s) => !drop.includes(s.bioguideId)).map((s) => ({ ...s, ...change[s.bioguideId] })),
  });
  const idsOf = (state: string) => shipped.senators.filter((s) => s.state === state).map((s) => s.bioguideId);

  it('the shipped roster is a whole Senate', () => {
    expect(checkWholeSenate(shipped)).toEqual({ problems: [], vacancies: [] });
  });

  it.each(['yaml', 'json'] as const)('refuses the shipped file cut at a record boundary to 27 senators (%s), naming what is wrong', (format) => {
    const yaml = truncatedRosterYaml(27);
    const roster = parseRoster(format === 'yaml' ? yaml : JSON.stringify(load(yaml)), '2026-06-15');
    expect(roster.senators).toHaveLength(27);
    const { problems, vacancies } = checkWholeSenate(roster);
    const counts = new Map<string, number>();
    for (const s of roster.senators) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
    const none = [...new Set(shipped.senators.map((s) => s.state))].filter((s) => !counts.has(s));
    const one = [...counts].filter(([, n]) => n === 1).map(([s]) => s);
    expect(none.length).toBeGreaterThan(20);
    expect(problems[0]).toBe('27 current senators (a whole Senate has 100; at least 95 needed)');
    expect(problems[1]).toMatch(new RegExp(`^${none.length} states have no senator: [A-Z]{2}(, [A-Z]{2})*$`));
    expect(problems[1].split(': ')[1].split(', ').sort()).toEqual(none.sort());
    expect(problems[2].split(': ')[1].split(', ').sort()).toEqual(one.sort());
    expect(problems).toHaveLength(3);
    expect(vacancies).toEqual([]);
  });

  it('accepts a state with one senator as a vacancy while at least 95 are listed', () => {
    const [co] = idsOf('CO');
    expect(checkWholeSenate(edited([co]))).toEqual({ problems: [], vacancies: ['CO'] });
    const five = ['CO', 'NY', 'TX', 'WY', 'IA'].map((s) => idsOf(s)[0]);
    expect(checkWholeSenate(edited(five)).problems).toEqual([]);
  });

  it('refuses a sixth vacancy: 94 senators', () => {
    const six = ['CO', 'NY', 'TX', 'WY', 'IA', 'SD'].map((s) => idsOf(s)[0]);
    expect(checkWholeSenate(edited(six)).problems).toEqual([
      '94 current senators (a whole Senate has 100; at least 95 needed)',
      '6 states have only one: CO, IA, NY, SD, TX, WY',
    ]);
  });

  it('never accepts a state with no senator, even with 98 listed', () => {
    expect(checkWholeSenate(edited(idsOf('CO'))).problems).toEqual(['1 state has no senator: CO']);
  });

  it('never accepts three senators for a state, a senator for DC, or two senators in one seat', () => {
    const [co1, co2] = idsOf('CO');
    const [ny1] = idsOf('NY');
    expect(checkWholeSenate(edited([], { [co1]: { state: 'TX' } })).problems).toEqual(['1 state has more than two: TX (3)']);
    expect(checkWholeSenate(edited([], { [ny1]: { state: 'DC' } })).problems).toEqual([
      'senators listed for places without Senate seats: DC (1)',
    ]);
    const cls = shipped.senators.find((s) => s.bioguideId === co1)!.senateClass!;
    expect(checkWholeSenate(edited([], { [co2]: { senateClass: cls } })).problems).toEqual([`1 state has both senators in one seat: CO (class ${cls})`]);
  });
});
