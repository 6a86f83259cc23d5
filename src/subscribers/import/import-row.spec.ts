import { resolveMapping } from './import-mapping';
import { cleanImportRow, copyLine } from './import-row';

const mapping = resolveMapping({ customFields: { employer: 'employer' } }, ['email', 'first_name', 'zip', 'state', 'tags', 'employer']);

describe('import rows', () => {
  it('normalizes a good row, derives the state, merges row and import tags', () => {
    const r = cleanImportRow([' Ada@Example.ORG ', ' Ada ', '06390', '', 'volunteer; donor', 'ACME'], mapping, ['fair']);
    expect(r).toEqual({
      row: { email: 'Ada@example.org', firstName: 'Ada', lastName: null, zip: '06390', state: 'NY', tags: ['volunteer', 'donor', 'fair'], customFields: { employer: 'ACME' } },
    });
  });

  it('classifies bad rows', () => {
    expect(cleanImportRow(['nope', '', '', '', '', ''], mapping, [])).toMatchObject({ reason: 'invalid_email' });
    expect(cleanImportRow(['', '', '', '', '', ''], mapping, [])).toMatchObject({ reason: 'invalid_email', message: 'email: empty' });
    expect(cleanImportRow(['a@b.co', '', '123', '', '', ''], mapping, [])).toMatchObject({ reason: 'invalid_row', message: expect.stringMatching(/^zip/) });
    expect(cleanImportRow(['a@b.co', '', '', 'XX', '', ''], mapping, [])).toMatchObject({ reason: 'invalid_row', message: expect.stringMatching(/^state/) });
    expect(cleanImportRow(['a@b.co', 'x'.repeat(101), '', '', '', ''], mapping, [])).toMatchObject({ reason: 'invalid_row' });
    expect(cleanImportRow(['a@b.co', ''], mapping, [])).toMatchObject({ reason: 'invalid_row', message: 'expected 6 columns, found 2' });
    // Trailing empty cells (a common spreadsheet export artefact) are tolerated.
    expect(cleanImportRow(['a@b.co', '', '', '', '', '', '', ''], mapping, [])).toHaveProperty('row');
  });

  it('escapes COPY text format', () => {
    const line = copyLine(7, { email: 'a@b.co', firstName: 'Tab\there', lastName: 'Back\\slash\nnew', zip: null, state: null, tags: ['x', 'y'], customFields: { k: 'v"' } });
    expect(line).toBe('7\ta@b.co\tTab\\there\tBack\\\\slash\\nnew\t\\N\t\\N\tx\u001fy\t{"k":"v\\\\""}\n');
  });
});
