import { capSkipReason } from './frequency-caps';

describe('capSkipReason (PREF-2, PREF-3)', () => {
  const none = { day: 0, week: 0, month: 0 };
  it('lets `all` subscribers receive everything when no org cap is set', () => {
    expect(capSkipReason('all', 'normal', { day: 5, week: 9, month: 30 }, null)).toBeNull();
  });
  it('weekly: one blast per rolling 7 days, whatever its priority', () => {
    expect(capSkipReason('weekly', 'normal', none, null)).toBeNull();
    expect(capSkipReason('weekly', 'important', { day: 0, week: 1, month: 1 }, null)).toBe('frequency_cap');
    expect(capSkipReason('weekly', 'normal', { day: 0, week: 0, month: 3 }, null)).toBeNull();
  });
  it('monthly: one per rolling 30 days', () => {
    expect(capSkipReason('monthly', 'normal', { day: 0, week: 0, month: 1 }, null)).toBe('frequency_cap');
    expect(capSkipReason('monthly', 'normal', none, null)).toBeNull();
  });
  it('important_only receives only important blasts', () => {
    expect(capSkipReason('important_only', 'normal', none, null)).toBe('frequency_cap');
    expect(capSkipReason('important_only', 'important', none, null)).toBeNull();
  });
  it('the org cap applies to everyone', () => {
    expect(capSkipReason('all', 'important', { day: 2, week: 2, month: 2 }, 2)).toBe('org_cap');
    expect(capSkipReason('all', 'important', { day: 1, week: 2, month: 2 }, 2)).toBeNull();
  });
});
