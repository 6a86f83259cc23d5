import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffRosters, isEmptyDiff } from './roster-diff';
import { parseRoster, Roster } from './roster-file';

const shipped = parseRoster(readFileSync(join(__dirname, '..', '..', 'data', 'legislators-current.yaml'), 'utf8'), '2026-06-15');
const stored = (r: Roster) => ({ senators: r.senators, roles: Object.fromEntries(r.roles.map((x) => [x.role, x.bioguideId])) });

describe('diffRosters', () => {
  it('finds nothing between a roster and itself', () => {
    expect(isEmptyDiff(diffRosters(stored(shipped), shipped))).toBe(true);
  });

  it('names arrivals, departures, role moves and field changes', () => {
    const next: Roster = {
      senators: [
        ...shipped.senators
          .filter((s) => s.bioguideId !== 'R000605')
          .map((s) => (s.bioguideId === 'B001267' ? { ...s, phone: '202-555-0100', party: 'Independent' } : s)),
        { ...shipped.senators.find((s) => s.bioguideId === 'R000605')!, bioguideId: 'X000001', officialName: 'New Senator' },
      ],
      roles: shipped.roles
        .filter((r) => r.role !== 'majority_whip')
        .map((r) => (r.role === 'majority_leader' ? { ...r, bioguideId: 'B001261' } : r)),
    };
    const d = diffRosters(stored(shipped), next);
    expect(d.arrived.map((s) => s.bioguideId)).toEqual(['X000001']);
    expect(d.left.map((s) => [s.bioguideId, s.name])).toEqual([['R000605', 'Mike Rounds']]);
    expect(d.roles.map((r) => [r.role, r.from?.name ?? null, r.to?.name ?? null])).toEqual([
      ['majority_leader', 'John Thune', 'John Barrasso'],
      ['majority_whip', 'John Barrasso', null],
    ]);
    expect(d.changed).toEqual([
      expect.objectContaining({
        bioguideId: 'B001267',
        fields: [
          { field: 'party', from: 'Democrat', to: 'Independent' },
          { field: 'phone', from: shipped.senators.find((s) => s.bioguideId === 'B001267')!.phone, to: '202-555-0100' },
        ],
      }),
    ]);
  });

  it('a first roster: everyone arrives and every role is filled from vacant', () => {
    const d = diffRosters({ senators: [], roles: {} }, shipped);
    expect(d.arrived).toHaveLength(100);
    expect(d.roles.every((r) => r.from === null && r.to !== null)).toBe(true);
  });
});
