import { checkSourceUrl, displayUrl, RosterFetchError } from './roster-source';

describe('roster source URL rules', () => {
  it('accepts https, and http only when allowed', () => {
    expect(checkSourceUrl('https://unitedstates.github.io/congress-legislators/legislators-current.yaml', false).host).toBe('unitedstates.github.io');
    expect(() => checkSourceUrl('http://127.0.0.1:8080/x.yaml', false)).toThrow(/must be an https:\/\/ URL/);
    expect(checkSourceUrl('http://127.0.0.1:8080/x.yaml', true).port).toBe('8080');
  });

  it.each(['file:///etc/passwd', 'ftp://example.org/x', 'data:text/plain,hi', 'not a url'])('refuses %s', (url) => {
    expect(() => checkSourceUrl(url, true)).toThrow(RosterFetchError);
  });

  it('shows a URL without credentials, query or fragment', () => {
    expect(displayUrl('https://user:secret@example.org/path/file.yaml?token=abc#x')).toBe('https://example.org/path/file.yaml?…');
    expect(displayUrl('nope')).toBe('(not a URL)');
  });
});
