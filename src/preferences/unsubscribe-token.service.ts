import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Env } from '../core/config/env';

export const TOKEN_PURPOSES = ['preferences', 'unsubscribe'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** What a valid link token names. No address, no time: the links never expire (UNSUB-1). */
export interface LinkTokenClaims {
  subscriberId: string;
  purpose: TokenPurpose;
  blastId?: string;
  /**
   * A link from a test send or preview (MSG-4): it names the blast but no real subscriber, and its pages only say so.
   * The flag sits in the signed header byte, so a client cannot set or clear it without breaking the MAC.
   */
  test?: true;
}

/** The subscriber id inside every test link: no subscriber has it, so even code unaware of the flag finds no one. */
export const TEST_LINK_SUBSCRIBER_ID = '00000000-0000-0000-0000-000000000000';

/*
 * Token layout (base64url, no padding):
 *   [0]      header: version (high nibble, 1) | reserved (bit 3, 0) | test flag (bit 2, only with a blast)
 *            | has-blast flag (bit 1) | purpose (bit 0: 0 preferences, 1 unsubscribe)
 *   [1..2]   key id: first 2 bytes of HMAC(key, "key-id") — picks the secret without trying every one
 *   [3..18]  subscriber uuid (16 bytes)
 *   [19..34] blast uuid (16 bytes), only with the has-blast flag
 *   [..+16]  MAC: HMAC-SHA256(key, "cloture-link" | bytes before the MAC), truncated to 128 bits
 * 35 or 51 bytes → 47 or 68 characters: small enough for every message header.
 */
const VERSION = 1;
const MAC_BYTES = 16;
const KID_BYTES = 2;
const UUID_BYTES = 16;
const TEST = 0b100;
const HAS_BLAST = 0b10;
const UNSUBSCRIBE_BIT = 0b01;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{47}$|^[A-Za-z0-9_-]{68}$/;

interface SigningKey {
  kid: Buffer;
  key: Buffer;
}

function deriveKey(secret: string): SigningKey {
  // A sub-key of its own: TOKEN_SECRET also keys the suppression hashes, and the two must never be interchangeable.
  const key = createHmac('sha256', secret).update('cloture:link-tokens:v1').digest();
  const kid = createHmac('sha256', key).update('key-id').digest().subarray(0, KID_BYTES);
  return { kid, key };
}

function uuidToBytes(id: string): Buffer {
  if (!UUID_PATTERN.test(id)) throw new Error('link tokens name subscribers and blasts by uuid');
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Signs and verifies the opaque tokens of preference and unsubscribe links (UNSUB-1). Pure CPU (one HMAC), no
 * database: the send loop calls it per recipient. Tokens signed with a secret listed in TOKEN_PREVIOUS_SECRETS keep
 * verifying after a rotation; new ones are always signed with TOKEN_SECRET.
 */
@Injectable()
export class UnsubscribeTokenService {
  private readonly current: SigningKey;
  private readonly keys: SigningKey[];

  constructor(env: Env) {
    this.current = deriveKey(env.tokenSecret);
    this.keys = [this.current, ...env.TOKEN_PREVIOUS_SECRETS.map(deriveKey)];
  }

  sign(claims: LinkTokenClaims): string {
    if (claims.test && !claims.blastId) throw new Error('a test link names the blast it was sent for');
    const header =
      (VERSION << 4) | (claims.test ? TEST : 0) | (claims.blastId ? HAS_BLAST : 0) | (claims.purpose === 'unsubscribe' ? UNSUBSCRIBE_BIT : 0);
    const parts = [Buffer.of(header), this.current.kid, uuidToBytes(claims.subscriberId)];
    if (claims.blastId) parts.push(uuidToBytes(claims.blastId));
    const body = Buffer.concat(parts);
    return Buffer.concat([body, this.mac(this.current.key, body)]).toString('base64url');
  }

  /** The claims of a genuine token, or null for anything else (tampered, truncated, unknown key, wrong purpose). */
  verify(token: string, purpose?: TokenPurpose): LinkTokenClaims | null {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    // Re-encoding must give the same text: rejects non-canonical trailing bits, so one token has one spelling.
    if (raw.toString('base64url') !== token) return null;
    const header = raw[0];
    if (header >> 4 !== VERSION || (header & 0b1000) !== 0) return null;
    const hasBlast = (header & HAS_BLAST) !== 0;
    const test = (header & TEST) !== 0;
    if (test && !hasBlast) return null;
    const expected = 1 + KID_BYTES + UUID_BYTES + (hasBlast ? UUID_BYTES : 0) + MAC_BYTES;
    if (raw.length !== expected) return null;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    const mac = raw.subarray(raw.length - MAC_BYTES);
    const kid = raw.subarray(1, 1 + KID_BYTES);
    let valid = false;
    for (const k of this.keys) {
      // Every key whose id matches is tried (ids are short, a collision between two secrets is possible).
      if (k.kid.equals(kid) && timingSafeEqual(this.mac(k.key, body), mac)) valid = true;
    }
    if (!valid) return null;
    const claimedPurpose: TokenPurpose = header & UNSUBSCRIBE_BIT ? 'unsubscribe' : 'preferences';
    if (purpose && claimedPurpose !== purpose) return null;
    const offset = 1 + KID_BYTES;
    const claims: LinkTokenClaims = {
      subscriberId: bytesToUuid(raw.subarray(offset, offset + UUID_BYTES)),
      purpose: claimedPurpose,
    };
    if (hasBlast) claims.blastId = bytesToUuid(raw.subarray(offset + UUID_BYTES, offset + 2 * UUID_BYTES));
    if (test) claims.test = true;
    return claims;
  }

  private mac(key: Buffer, body: Buffer): Buffer {
    return createHmac('sha256', key).update('cloture-link').update(body).digest().subarray(0, MAC_BYTES);
  }
}
