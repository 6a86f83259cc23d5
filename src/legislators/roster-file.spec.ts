import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { roleForTitle } from './leadership-roles';
import { parseRoster, RosterFormatError } from './roster-file';

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

