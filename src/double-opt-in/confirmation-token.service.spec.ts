import { randomUUID } from 'node:crypto';
import { Env, loadEnv } from '../core/config/env';
import { UnsubscribeTokenService } from '../preferences/unsubscribe-token.service';
import { ConfirmationTokenService } from './confirmation-token.service';

const SECRET_A = 'a'.repeat(40);
const SECRET_B = 'b'.repeat(40);
const service = (secret: string, previous: string[] = []) =>
  new ConfirmationTokenService(loadEnv({ TOKEN_SECRET: secret, TOKEN_PREVIOUS_SECRETS: previous.join(',') }));

describe('ConfirmationTokenService', () => {
  it('round-trips a subscriber id in 47 url-safe characters', () => {
    const id = randomUUID();
    const token = service(SECRET_A).sign(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{47}$/);
    expect(service(SECRET_A).verify(token)).toBe(id);
  });

  it('rejects tampering, truncation, another secret', () => {
    const token = service(SECRET_A).sign(randomUUID());
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(service(SECRET_A).verify(flipped)).toBeNull();
    expect(service(SECRET_A).verify(token.slice(0, -1))).toBeNull();
    expect(service(SECRET_B).verify(token)).toBeNull();
    expect(service(SECRET_A).verify('')).toBeNull();
  });

  it('keeps verifying after a rotation (previous secret)', () => {
    const id = randomUUID();
    const old = service(SECRET_A).sign(id);
    expect(service(SECRET_B, [SECRET_A]).verify(old)).toBe(id);
  });

  it('an unsubscribe or preferences token is never a confirmation token', () => {
    const id = randomUUID();
    const links = new UnsubscribeTokenService(loadEnv({ TOKEN_SECRET: SECRET_A }));
    expect(service(SECRET_A).verify(links.sign({ subscriberId: id, purpose: 'unsubscribe' }))).toBeNull();
    expect(service(SECRET_A).verify(links.sign({ subscriberId: id, purpose: 'preferences' }))).toBeNull();
  });
});

describe('ConfirmationTokenService known tokens', () => {
  // Printed before the service moved onto the shared SignedTokenCodec: links in emails already sent keep working.
  it('signs exactly the token it signed before', () => {
    const env = { tokenSecret: 'a-fixed-secret-for-token-vectors-0123456789', TOKEN_PREVIOUS_SECRETS: [] as string[] } as unknown as Env;
    expect(new ConfirmationTokenService(env).sign('3f2504e0-4f89-41d3-9a0c-0305e82c3301')).toBe('AWNyPyUE4E-JQdOaDAMF6CwzAXKaL8JKHI3PWe4sjTX_Tt4');
  });
});
