import { canonicalEmail, isValidEmail, normalizeEmail } from './email-address';

describe('email addresses', () => {
  it('normalizes: trims and lower-cases the domain only', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.ORG ')).toBe('Ada.Lovelace@example.org');
  });

  it('folds compatibility forms (NFKC): full-width letters and ligatures become the letters they show', () => {
    expect(normalizeEmail('ｆｕｌｌ@ｅｘａｍｐｌｅ．ｏｒｇ')).toBe('full@example.org');
    expect(normalizeEmail('ﬁ@example.org')).toBe('fi@example.org');
  });

  it('turns an internationalized domain into its ASCII (punycode) form, so both spellings are one address', () => {
    expect(normalizeEmail('idn@Bücher.example')).toBe('idn@xn--bcher-kva.example');
    expect(canonicalEmail('idn@bücher.example')).toBe(canonicalEmail('idn@xn--bcher-kva.example'));
    expect(normalizeEmail(normalizeEmail('idn@bücher.example'))).toBe('idn@xn--bcher-kva.example');
  });

  it.each(['a@b.co', 'first.last+tag@sub.example.org', "o'brien@example.ie", 'josé@example.com', 'x@xn--bcher-kva.example', 'δοκιμή@example.gr'])(
    'accepts %s',
    (e) => expect(isValidEmail(normalizeEmail(e))).toBe(true),
  );

  it.each(['', 'plain', 'a@b', 'a@b.c', '.a@b.co', 'a.@b.co', 'a..b@b.co', 'a b@c.co', 'a@-b.co', 'a@b_c.co', 'a@@b.co',
    `${'x'.repeat(65)}@b.co`, `a@${'b'.repeat(250)}.co`])('rejects %s', (e) => expect(isValidEmail(e)).toBe(false));

  it.each([
    ['a bidi override', '\u202ea@example.org'],
    ['a zero-width space', 'a\u200b@example.org'],
    ['a zero-width joiner', 'ad\u200dmin@example.org'],
    ['a byte-order mark', 'a\ufeffb@example.org'],
    ['a C1 control', 'a\u0085@example.org'],
    ['a soft hyphen', 'ad\u00admin@example.org'],
    ['a line separator', 'a\u2028@example.org'],
    ['a private-use character', 'a\ue000@example.org'],
    ['an invisible character in the domain', 'a@exa\u200bmple.org'],
    ['a replacement character (bytes that were not UTF-8)', 'a\ufffdb@example.org'],
    ['an emoji', 'vote\u{1F5F3}@example.org'],
    ['a no-break space', 'a\u00a0b@example.org'],
  ])('refuses %s', (_what, e) => {
    expect(isValidEmail(normalizeEmail(e))).toBe(false);
    expect(canonicalEmail(e)).toBeNull();
  });
});
