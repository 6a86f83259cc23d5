import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Env } from '../core/config/env';

/*
 * Opt-in confirmation link tokens (COMP-4), base64url without padding:
 *   [0]      version (1)
 *   [1..2]   key id: first 2 bytes of HMAC(key, "key-id"), picks the secret after a rotation
 *   [3..18]  subscriber uuid
 *   [19..34] MAC: HMAC-SHA256(key, "cloture-opt-in" | bytes before the MAC), truncated to 128 bits
 * 35 bytes → 47 characters. The key is derived for this purpose only, so a preference or unsubscribe token can never
 * pass as a confirmation (and the other way round). No address inside; no expiry: a link only ever confirms an
 * `unconfirmed` subscriber, so an old one can do no harm.
 */
const VERSION = 1;
const KID_BYTES = 2;
const UUID_BYTES = 16;
const MAC_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{47}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface SigningKey {
  kid: Buffer;
  key: Buffer;
}

function deriveKey(secret: string): SigningKey {
  const key = createHmac('sha256', secret).update('cloture:opt-in-confirmation:v1').digest();
  return { key, kid: createHmac('sha256', key).update('key-id').digest().subarray(0, KID_BYTES) };
}

@Injectable()
export class ConfirmationTokenService {
  private readonly keys: SigningKey[];

  constructor(env: Env) {
    this.keys = [env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS].map(deriveKey);
  }

  sign(subscriberId: string): string {
    if (!UUID_PATTERN.test(subscriberId)) throw new Error('confirmation tokens name subscribers by uuid');
    const [current] = this.keys;
    const body = Buffer.concat([Buffer.of(VERSION), current.kid, Buffer.from(subscriberId.replace(/-/g, ''), 'hex')]);
    return Buffer.concat([body, this.mac(current.key, body)]).toString('base64url');
  }

  /** The subscriber id of a genuine token; null for anything else (tampered, truncated, foreign key or purpose). */
  verify(token: string): string | null {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.toString('base64url') !== token || raw[0] !== VERSION) return null;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    const mac = raw.subarray(raw.length - MAC_BYTES);
    const kid = raw.subarray(1, 1 + KID_BYTES);
    let valid = false;
    for (const k of this.keys) if (k.kid.equals(kid) && timingSafeEqual(this.mac(k.key, body), mac)) valid = true;
    if (!valid) return null;
    const h = raw.subarray(1 + KID_BYTES, 1 + KID_BYTES + UUID_BYTES).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  private mac(key: Buffer, body: Buffer): Buffer {
    return createHmac('sha256', key).update('cloture-opt-in').update(body).digest().subarray(0, MAC_BYTES);
  }
}
