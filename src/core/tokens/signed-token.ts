import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../http/uuid';

export const UUID_BYTES = 16;

export function uuidToBytes(id: string): Buffer {
  if (!isUuid(id)) throw new Error('expected a uuid');
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

export function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const KID_BYTES = 2;
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface SigningKey {
  kid: Buffer;
  key: Buffer;
}

/**
 * Compact signed tokens for links in emails (unsubscribe, preferences, opt-in confirmation), base64url without padding:
 *   [0]          header byte (its meaning belongs to the caller: a version, flags)
 *   [1..2]       key id: first 2 bytes of HMAC(key, "key-id") — picks the secret after a rotation without trying all
 *   [3..n]       payload (the caller's fixed-size fields, e.g. uuids as 16 bytes)
 *   [n..n+16]    MAC: HMAC-SHA256(key, macLabel | every byte before the MAC), truncated to 128 bits
 * The key is derived from each secret for one purpose (`keyLabel`), so a token of one kind can never pass as another,
 * and TOKEN_SECRET's other uses (suppression hashes) are never interchangeable with it. Tokens signed with a previous
 * secret keep verifying; new ones are always signed with the first (current) secret. Pure CPU, no database.
 */
export class SignedTokenCodec {
  private readonly keys: SigningKey[];

  constructor(
    secrets: readonly string[],
    keyLabel: string,
    private readonly macLabel: string,
  ) {
    if (!secrets.length) throw new Error('a token codec needs at least one secret');
    this.keys = secrets.map((secret) => {
      const key = createHmac('sha256', secret).update(keyLabel).digest();
      return { key, kid: createHmac('sha256', key).update('key-id').digest().subarray(0, KID_BYTES) };
    });
  }

  /** The token text of one header byte and payload, signed with the current secret. */
  seal(header: number, payload: Buffer): string {
    const [current] = this.keys;
    const body = Buffer.concat([Buffer.of(header), current.kid, payload]);
    return Buffer.concat([body, this.mac(current.key, body)]).toString('base64url');
  }

  /**
   * The header and payload of a genuine token whose payload is one of `payloadLengths` bytes long; null for anything
   * else (not a string, not canonical base64url — one token has one spelling —, wrong length, unknown key, bad MAC).
   */
  open(token: unknown, payloadLengths: readonly number[]): { header: number; payload: Buffer } | null {
    if (typeof token !== 'string') return null;
    const lengths = payloadLengths.map((n) => 1 + KID_BYTES + n + MAC_BYTES);
    if (!lengths.some((n) => Math.ceil((n * 4) / 3) === token.length) || !BASE64URL.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (!lengths.includes(raw.length) || raw.toString('base64url') !== token) return null;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    const mac = raw.subarray(raw.length - MAC_BYTES);
    const kid = raw.subarray(1, 1 + KID_BYTES);
    let valid = false;
    // Every key whose id matches is tried (ids are short: two secrets may share one).
    for (const k of this.keys) if (k.kid.equals(kid) && timingSafeEqual(this.mac(k.key, body), mac)) valid = true;
    if (!valid) return null;
    return { header: raw[0], payload: raw.subarray(1 + KID_BYTES, raw.length - MAC_BYTES) };
  }

  private mac(key: Buffer, body: Buffer): Buffer {
    return createHmac('sha256', key).update(this.macLabel).update(body).digest().subarray(0, MAC_BYTES);
  }
}
