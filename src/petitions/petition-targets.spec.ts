import type { SenatorView } from '../legislators/legislators.service';
import { dedupeTargets, senatorLabel } from './petition-targets';

const senator = (over: Partial<SenatorView> = {}): SenatorView => ({
  bioguideId: 'T000250', name: 'John Thune', firstName: 'John', lastName: 'Thune', state: 'SD', party: 'Republican',
  senateClass: 3, stateRank: 'senior', office: null, address: null, phone: null, url: null, contactForm: null,
  inOffice: true, roles: ['majority_leader'], ...over,
});

describe('petition targets', () => {
  it('labels a senator by role, or by state when addressed as a senator', () => {
    expect(senatorLabel(senator(), 'majority_leader')).toBe('John Thune, Senate Majority Leader');
    expect(senatorLabel(senator(), null)).toBe('John Thune, U.S. Senator for South Dakota');
    expect(senatorLabel(senator({ name: 'Chuck Grassley', state: 'IA' }), 'president_pro_tempore')).toBe(
      'Chuck Grassley, President pro tempore of the Senate',
    );
  });

  it('drops repeated targets, keeping the organizer\'s order', () => {
    expect(
      dedupeTargets([
        { type: 'own_senators' },
        { type: 'role', role: 'majority_leader' },
        { type: 'senator', bioguideId: 'B001267' },
        { type: 'role', role: 'majority_leader' },
        { type: 'own_senators' },
        { type: 'senator', bioguideId: 'B001267' },
      ]),
    ).toEqual([{ type: 'own_senators' }, { type: 'role', role: 'majority_leader' }, { type: 'senator', bioguideId: 'B001267' }]);
  });
});
