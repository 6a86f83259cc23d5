import { EnvValidationError, loadEnv } from './env';

describe('loadEnv', () => {
  it('works with no variables at all (local defaults)', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/cloture');
    expect(env.MIGRATE_ON_START).toBe(true);
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.databaseName).toBe('cloture');
  });

  it('converts numbers, booleans and lists', () => {
    const env = loadEnv({ PORT: '8080', MIGRATE_ON_START: 'false', TOKEN_PREVIOUS_SECRETS: `${'a'.repeat(32)}, ${'b'.repeat(32)}` });
    expect(env.PORT).toBe(8080);
    expect(env.MIGRATE_ON_START).toBe(false);
    expect(env.TOKEN_PREVIOUS_SECRETS).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
  });

  it('names every bad variable', () => {
    let error: Error | undefined;
    try {
      loadEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SMTP_URL: 'http://mail', MIGRATE_ON_START: 'maybe' });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    expect(error!.message).toMatch(/PORT/);
    expect(error!.message).toMatch(/DATABASE_URL/);
    expect(error!.message).toMatch(/SMTP_URL/);
    expect(error!.message).toMatch(/MIGRATE_ON_START/);
  });

  it('roster refresh: daily from the upstream file by default; empty turns it off; a bad cron or notice address is named', () => {
    const env = loadEnv({});
    expect(env.LEGISLATORS_SOURCE_URL).toBe('https://unitedstates.github.io/congress-legislators/legislators-current.yaml');
    expect(env.LEGISLATORS_REFRESH_CRON).toBe('17 6 * * *');
    expect(env.LEGISLATORS_SOURCE_MAX_BYTES).toBe(5 * 1024 * 1024);
    const off = loadEnv({ LEGISLATORS_REFRESH_CRON: '', LEGISLATORS_SOURCE_URL: '' });
    expect([off.LEGISLATORS_REFRESH_CRON, off.LEGISLATORS_SOURCE_URL]).toEqual(['', '']);
    expect(loadEnv({ ROSTER_NOTICE_EMAILS: 'a@example.org, B@Example.ORG' }).ROSTER_NOTICE_EMAILS).toEqual(['a@example.org', 'B@example.org']);
    expect(() => loadEnv({ LEGISLATORS_REFRESH_CRON: 'every day' })).toThrow(/LEGISLATORS_REFRESH_CRON must be a cron expression/);
    expect(() => loadEnv({ LEGISLATORS_SOURCE_URL: 'ftp://example.org/x' })).toThrow(/LEGISLATORS_SOURCE_URL/);
    expect(() => loadEnv({ ROSTER_NOTICE_EMAILS: 'a@example.org, nobody' })).toThrow(/ROSTER_NOTICE_EMAILS/);
  });

  // A random value as `openssl rand -base64 48` prints it.
  const strong = 'q3Vv8kYb0T2mZr1xW9sJ4nE6cH5pL7aU/dF+gK0iR8oM3yN2tB1zQ6eS4wX9vC7j';

  it('requires TOKEN_SECRET in production', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/TOKEN_SECRET is required/);
    expect(loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: strong }).tokenSecret).toBe(strong);
  });

  describe('refuses published or weak secrets in production (issue 12 item 11)', () => {
    const refused: [string, string][] = [
      ['the development default', 'cloture-development-token-secret-change-me'],
      ['the old docker-compose placeholder', 'change-me-to-32-or-more-random-characters'],
      ['the test suite constant', 'test-token-secret-0123456789abcdef0123456789'],
      ['one repeated character', 'x'.repeat(40)],
      ['two characters alternating', 'ab'.repeat(20)],
      ['a short sequence repeated', '0123456789abcdef'.repeat(3)],
      ['a placeholder', 'replace-me-with-a-long-random-string-please'],
      ['a placeholder', 'your-token-secret-goes-here-0123456789'],
    ];
    it.each(refused)('TOKEN_SECRET: %s', (_what, value) => {
      expect(() => loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: value })).toThrow(EnvValidationError);
      try {
        loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: value });
      } catch (e) {
        const message = (e as Error).message;
        expect(message).toMatch(/TOKEN_SECRET/);
        expect(message).toContain('openssl rand -base64 48');
        expect(message).not.toContain(value);
      }
    });

    it('the same rule for every other secret: previous token secrets, the admin key, the bounce webhook secret', () => {
      const weak = 'change-me-to-32-or-more-random-characters';
      for (const name of ['TOKEN_PREVIOUS_SECRETS', 'ADMIN_API_KEY', 'BOUNCE_WEBHOOK_SECRET']) {
        expect(() => loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: strong, [name]: weak })).toThrow(new RegExp(name));
        expect(() => loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: strong, [name]: 'z'.repeat(40) })).toThrow(new RegExp(name));
      }
      expect(() => loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: strong, TOKEN_PREVIOUS_SECRETS: `${strong.slice(1)}x,${'z'.repeat(40)}` })).toThrow(/TOKEN_PREVIOUS_SECRETS/);
    });

    it('accepts random values of every common shape (base64, hex, the bench and CI constants stay usable)', () => {
      for (const value of [strong, 'f3a9c27e5b8d04164ea2c9d7b31f0a6e8c5d2b7f9e1a4c6d8b0f2e3a5c7d9e1b', 'bench-token-secret-0123456789abcdef0123456789']) {
        expect(loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: value }).tokenSecret).toBe(value);
      }
      expect(loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: strong, BOUNCE_WEBHOOK_SECRET: '9f2c4e7a1b3d5f60' }).BOUNCE_WEBHOOK_SECRET).toBe('9f2c4e7a1b3d5f60');
    });

    it('development and test keep working with any value, defaults included', () => {
      expect(loadEnv({ NODE_ENV: 'development', TOKEN_SECRET: 'x'.repeat(40) }).tokenSecret).toBe('x'.repeat(40));
      expect(loadEnv({ NODE_ENV: 'test' }).tokenSecret).toBe('cloture-development-token-secret-change-me');
    });
  });
});
