import { Env } from '../core/config/env';
import { newShareCode, SHARE_CODE_PATTERN, shareLinks, ShareTokenService } from './share-links';

const env = (secret: string, previous: string[] = []) => ({ tokenSecret: secret, TOKEN_PREVIOUS_SECRETS: previous }) as unknown as Env;
const SECRET = 'unit-test-share-secret-0123456789abcdefghij';

describe('share codes and personal-page tokens', () => {
  it('codes are random 10-character base62 strings', () => {
    const codes = new Set(Array.from({ length: 2000 }, newShareCode));
    expect(codes.size).toBe(2000);
    for (const c of codes) expect(c).toMatch(SHARE_CODE_PATTERN);
  });

  it('a token verifies to its code; any change, another secret or a bare code does not', () => {
    const tokens = new ShareTokenService(env(SECRET));
    const token = tokens.sign('Abc123XYZ9');
    expect(tokens.verify(token)).toBe('Abc123XYZ9');
    const forged = Buffer.from(token, 'base64url');
    forged[5] ^= 1; // one bit of the code
    expect(tokens.verify(forged.toString('base64url'))).toBeNull();
    expect(tokens.verify(`${token.slice(0, -2)}${token.endsWith('AA') ? 'BA' : 'AA'}`)).toBeNull();
    expect(tokens.verify('Abc123XYZ9')).toBeNull();
    expect(tokens.verify(undefined)).toBeNull();
    expect(new ShareTokenService(env('another-secret-0123456789abcdefghijklmn')).verify(token)).toBeNull();
    // After a rotation the old secret still verifies; new tokens use the new one.
    expect(new ShareTokenService(env('another-secret-0123456789abcdefghijklmn', [SECRET])).verify(token)).toBe('Abc123XYZ9');
  });

  it('share links carry the URL with the code, encoded for each network', () => {
    const links = shareLinks('https://act.example.org/p/hold-the-vote?ref=Abc123XYZ9', 'Hold the vote & "now"');
    expect(links.url).toBe('https://act.example.org/p/hold-the-vote?ref=Abc123XYZ9');
    for (const href of [links.email, links.sms, links.whatsapp, links.facebook, links.x]) {
      expect(href).toContain(encodeURIComponent('https://act.example.org/p/hold-the-vote?ref=Abc123XYZ9'));
      expect(href).not.toMatch(/[\s"&]ref=/);
    }
    expect(links.email.startsWith('mailto:?subject=Hold%20the%20vote%20%26%20%22now%22&body=')).toBe(true);
    expect(links.facebook).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(links.url)}`);
  });
});
