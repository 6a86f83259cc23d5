import { MappingError, resolveMapping, validateMappingShape } from './import-mapping';

describe('import column mapping', () => {
  it('guesses usual header names when no mapping is given', () => {
    const m = resolveMapping({}, ['E-mail Address', 'First Name', 'Surname', 'ZIP code', 'State', 'Tags', 'Employer']);
    expect(m.columns).toEqual({ email: 0, firstName: 1, lastName: 2, zip: 3, state: 4, tags: 5 });
    expect(m.customFields).toEqual([]);
  });

  it('uses explicit columns (exact, then case/punctuation-insensitive) and custom fields', () => {
    const m = resolveMapping({ email: 'Contact', firstName: 'given', customFields: { employer: 'Works at' } }, ['Given', 'Contact', 'Works at']);
    expect(m.columns).toMatchObject({ email: 1, firstName: 0 });
    expect(m.customFields).toEqual([['employer', 2]]);
  });

  it('names the mapping entry when a column is missing, duplicated, or there is no email column', () => {
    expect(() => resolveMapping({ firstName: 'First' }, ['email'])).toThrow(/mapping.firstName: column "First" is not in the file's header/);
    expect(() => resolveMapping({ email: 'mail' }, ['mail', 'mail'])).toThrow(/appears 2 times/);
    expect(() => resolveMapping({}, ['name', 'zip'])).toThrow(MappingError);
    try {
      resolveMapping({}, ['name']);
    } catch (e) {
      expect((e as MappingError).path).toBe('mapping.email');
    }
  });

  it('rejects malformed mappings before any file is read', () => {
    expect(() => validateMappingShape([])).toThrow(/mapping: must be a JSON object/);
    expect(() => validateMappingShape({ phone: 'Phone' })).toThrow(/mapping.phone: unknown field/);
    expect(() => validateMappingShape({ email: 3 })).toThrow(/mapping.email/);
    expect(() => validateMappingShape({ customFields: { 'bad key!': 'x' } })).toThrow(/mapping.customFields.bad key!/);
    expect(validateMappingShape(undefined)).toEqual({});
  });
});
