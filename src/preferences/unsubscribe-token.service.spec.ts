import { Env, loadEnv } from '../core/config/env';
import { PreferenceLinksService } from './preference-links.service';
import { TEST_LINK_SUBSCRIBER_ID, UnsubscribeTokenService } from './unsubscribe-token.service';

const OLD_SECRET = 'old-secret-0123456789abcdef0123456789abcdef';
const NEW_SECRET = 'new-secret-0123456789abcdef0123456789abcdef';
const SUBSCRIBER = '3f2b8c1e-9a4d-4e7f-8b21-0c5d6e7f8a9b';
const BLAST = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

const service = (env: Record<string, string> = {}) =>
  new UnsubscribeTokenService(loadEnv({ TOKEN_SECRET: NEW_SECRET, ...env }));

/** Flip one bit of the decoded token and re-encode it. */
function flipBit(token: string, byte: number): string {
  const raw = Buffer.from(token, 'base64url');
  raw[byte] ^= 0x01;
  return raw.toString('base64url');
}

describe('UnsubscribeTokenService', () => {
  it('round-trips subscriber, purpose and blast', () => {
    const s = service();
    const t = s.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    expect(s.verify(t)).toEqual({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const p = s.sign({ subscriberId: SUBSCRIBER, purpose: 'preferences' });
    expect(s.verify(p)).toEqual({ subscriberId: SUBSCRIBER, purpose: 'preferences' });
  });

  it('is compact and URL-safe, with no address or readable id inside', () => {
    const s = service();
    const withBlast = s.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const without = s.sign({ subscriberId: SUBSCRIBER, purpose: 'preferences' });
    expect(withBlast).toMatch(/^[A-Za-z0-9_-]{68}$/);
    expect(without).toMatch(/^[A-Za-z0-9_-]{47}$/);
    expect(withBlast).not.toContain('@');
    expect(withBlast).not.toContain(SUBSCRIBER);
  });

  it('binds the purpose: a preferences token is not an unsubscribe token', () => {
    const s = service();
    const p = s.sign({ subscriberId: SUBSCRIBER, purpose: 'preferences' });
    expect(s.verify(p, 'unsubscribe')).toBeNull();
    expect(s.verify(p, 'preferences')).not.toBeNull();
  });

  it('rejects every single flipped bit, truncation, extension and garbage', () => {
    const s = service();
    const t = s.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const bytes = Buffer.from(t, 'base64url').length;
    for (let i = 0; i < bytes; i++) expect(s.verify(flipBit(t, i))).toBeNull();
    expect(s.verify(t.slice(0, -1))).toBeNull();
    expect(s.verify(t.slice(0, 47))).toBeNull();
    expect(s.verify(`${t}A`)).toBeNull();
    expect(s.verify('')).toBeNull();
    expect(s.verify('x'.repeat(47))).toBeNull();
    expect(s.verify('%00'.repeat(20))).toBeNull();
    expect(s.verify(undefined as unknown as string)).toBeNull();
  });

  it('rejects a token signed with a secret it does not know', () => {
    const other = service({ TOKEN_SECRET: 'another-secret-0123456789abcdef0123456789' });
    const t = other.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe' });
    expect(service().verify(t)).toBeNull();
  });

  it('keeps links signed before a rotation valid through TOKEN_PREVIOUS_SECRETS, and signs new ones with the new secret', () => {
    const before = service({ TOKEN_SECRET: OLD_SECRET });
    const oldToken = before.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const after = service({ TOKEN_SECRET: NEW_SECRET, TOKEN_PREVIOUS_SECRETS: OLD_SECRET });
    expect(after.verify(oldToken)).toEqual({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const newToken = after.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    expect(newToken).not.toEqual(oldToken);
    expect(before.verify(newToken)).toBeNull();
    // Without the old secret listed, the old link is dead.
    expect(service().verify(oldToken)).toBeNull();
  });

  it('never expires: a token minted 400 days ago still verifies', () => {
    jest.useFakeTimers({ now: Date.now() - 400 * 24 * 3600 * 1000 });
    try {
      const t = service().sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe' });
      jest.setSystemTime(Date.now() + 400 * 24 * 3600 * 1000);
      expect(service().verify(t)).toEqual({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('carries the test flag of a test-send link inside the MAC: set only by signing, never by editing', () => {
    const s = service();
    const real = s.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const test = s.sign({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST, test: true });
    expect(s.verify(test)).toEqual({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST, test: true });
    expect(s.verify(real)).not.toHaveProperty('test');
    expect(test).not.toBe(real);
    // Flipping the flag on a real token (or off a test one) breaks the MAC.
    const flip = (t: string) => {
      const raw = Buffer.from(t, 'base64url');
      raw[0] ^= 0b100;
      return raw.toString('base64url');
    };
    expect(s.verify(flip(real))).toBeNull();
    expect(s.verify(flip(test))).toBeNull();
    expect(() => s.sign({ subscriberId: SUBSCRIBER, purpose: 'preferences', test: true })).toThrow(/names the blast/);
  });

  it('refuses to sign ids that are not uuids', () => {
    expect(() => service().sign({ subscriberId: 'someone@example.org', purpose: 'unsubscribe' })).toThrow();
  });
});

describe('PreferenceLinksService', () => {
  it('builds absolute links and the RFC 8058 header values from PUBLIC_BASE_URL', () => {
    const env = loadEnv({ TOKEN_SECRET: NEW_SECRET, PUBLIC_BASE_URL: 'https://act.example.org/' });
    const tokens = new UnsubscribeTokenService(env);
    const links = new PreferenceLinksService(env, tokens).forRecipient(SUBSCRIBER, BLAST);
    expect(links.preferencesUrl).toMatch(/^https:\/\/act\.example\.org\/preferences\/[A-Za-z0-9_-]{68}$/);
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/act\.example\.org\/unsubscribe\/[A-Za-z0-9_-]{68}$/);
    expect(links.listUnsubscribe).toBe(`<${links.unsubscribeUrl}>`);
    expect(links.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
    const token = links.unsubscribeUrl.split('/').pop()!;
    expect(tokens.verify(token, 'unsubscribe')).toEqual({ subscriberId: SUBSCRIBER, purpose: 'unsubscribe', blastId: BLAST });
    const pref = links.preferencesUrl.split('/').pop()!;
    expect(tokens.verify(pref, 'preferences')?.blastId).toBe(BLAST);
  });

  it('gives test sends signed test links that name the blast and no real subscriber', () => {
    const env = loadEnv({ TOKEN_SECRET: NEW_SECRET, PUBLIC_BASE_URL: 'https://act.example.org' });
    const tokens = new UnsubscribeTokenService(env);
    const links = new PreferenceLinksService(env, tokens).forTestSend(BLAST);
    const token = links.unsubscribeUrl.split('/').pop()!;
    expect(links.listUnsubscribe).toBe(`<${links.unsubscribeUrl}>`);
    expect(tokens.verify(token, 'unsubscribe')).toEqual({ subscriberId: TEST_LINK_SUBSCRIBER_ID, purpose: 'unsubscribe', blastId: BLAST, test: true });
    expect(tokens.verify(links.preferencesUrl.split('/').pop()!, 'preferences')?.test).toBe(true);
  });

  it('keeps a path prefix of PUBLIC_BASE_URL (an app served under /campaign)', () => {
    const env = loadEnv({ TOKEN_SECRET: NEW_SECRET, PUBLIC_BASE_URL: 'https://example.org/campaign' });
    const links = new PreferenceLinksService(env, new UnsubscribeTokenService(env)).forRecipient(SUBSCRIBER);
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/example\.org\/campaign\/unsubscribe\/[A-Za-z0-9_-]{47}$/);
    expect(links.preferencesUrl).toMatch(/^https:\/\/example\.org\/campaign\/preferences\/[A-Za-z0-9_-]{47}$/);
  });
});

describe('UnsubscribeTokenService known tokens', () => {
  // Printed before the service moved onto the shared SignedTokenCodec: links in emails already sent keep working.
  it('signs exactly the tokens it signed before', () => {
    const env = { tokenSecret: 'a-fixed-secret-for-token-vectors-0123456789', TOKEN_PREVIOUS_SECRETS: [] as string[] } as unknown as Env;
    const links = new UnsubscribeTokenService(env);
    const subscriberId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const blastId = '9b2d7c1e-6a55-4c1f-8f0e-2b7a4c9d1e00';
    expect(links.sign({ subscriberId, purpose: 'preferences' })).toBe('EFTDPyUE4E-JQdOaDAMF6CwzAXf5vktC-47-zXWQg3uwsGc');
    expect(links.sign({ subscriberId, purpose: 'unsubscribe', blastId })).toBe(
      'E1TDPyUE4E-JQdOaDAMF6CwzAZstfB5qVUwfjw4rekydHgCb_APukAMT-pzjVXJwK9dI',
    );
    expect(links.sign({ subscriberId: '00000000-0000-0000-0000-000000000000', purpose: 'unsubscribe', blastId, test: true })).toBe(
      'F1TDAAAAAAAAAAAAAAAAAAAAAJstfB5qVUwfjw4rekydHgBNluJNTfADfTXd27pUBApb',
    );
  });
});
