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

  it('requires TOKEN_SECRET in production', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/TOKEN_SECRET is required/);
    expect(loadEnv({ NODE_ENV: 'production', TOKEN_SECRET: 'x'.repeat(40) }).tokenSecret).toBe('x'.repeat(40));
  });
});
