import { SignedTokenCodec } from './signed-token';

describe('SignedTokenCodec', () => {
  it('opens what it sealed, with a previous secret too, and nothing else', () => {
    const old = new SignedTokenCodec(['old-secret-0123456789-0123456789'], 'label:v1', 'mac');
    const now = new SignedTokenCodec(['new-secret-0123456789-0123456789', 'old-secret-0123456789-0123456789'], 'label:v1', 'mac');
    const payload = Buffer.alloc(16, 7);
    const token = old.seal(3, payload);
    expect(now.open(token, [16])).toEqual({ header: 3, payload });
    expect(now.open(now.seal(3, payload), [16])).toEqual({ header: 3, payload });
    // Another purpose's key, another length, a flipped character, a non-canonical spelling, not a string.
    expect(new SignedTokenCodec(['old-secret-0123456789-0123456789'], 'other:v1', 'mac').open(token, [16])).toBeNull();
    expect(now.open(token, [32])).toBeNull();
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(now.open(flipped, [16])).toBeNull();
    const last = token[token.length - 1];
    expect(now.open(token.slice(0, -1) + (last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) ^ 1)), [16])).toBeNull();
    expect(now.open({ toString: () => token }, [16])).toBeNull();
    expect(now.open(`${token}=`, [16])).toBeNull();
  });
});
