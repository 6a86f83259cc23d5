import { isValidEmail, normalizeEmail } from './email-address';

describe('email addresses', () => {
  it('normalizes: trims and lower-cases the domain only', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.ORG ')).toBe('Ada.Lovelace@example.org');
  });

  it.each(['a@b.co', 'first.last+tag@sub.example.org', "o'brien@example.ie", 'josé@example.com', 'x@xn--bcher-kva.example'])(
    'accepts %s',
    (e) => expect(isValidEmail(e)).toBe(true),
  );

  it.each(['', 'plain', 'a@b', 'a@b.c', '.a@b.co', 'a.@b.co', 'a..b@b.co', 'a b@c.co', 'a@-b.co', 'a@b_c.co', 'a@@b.co',
    `${'x'.repeat(65)}@b.co`, `a@${'b'.repeat(250)}.co`])('rejects %s', (e) => expect(isValidEmail(e)).toBe(false));
});
