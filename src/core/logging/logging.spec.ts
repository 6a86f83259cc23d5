import { redactUrl } from './logging';

describe('redactUrl', () => {
  it('keeps routes readable and drops tokens, addresses and query strings', () => {
    expect(redactUrl('/api/v1/petitions/stop-the-filibuster/signatures')).toBe('/api/v1/petitions/stop-the-filibuster/signatures');
    expect(redactUrl('/unsubscribe/AAECAwQFBgcICQoLDA0ODxAREhMUFRYX.sig')).toBe('/unsubscribe/:token');
    expect(redactUrl('/api/v1/subscribers?email=jane@example.org')).toBe('/api/v1/subscribers');
    expect(redactUrl('/x/jane%40example.org')).toBe('/x/:redacted');
  });
});
