import { Injectable } from '@nestjs/common';
import { Env } from '../core/config/env';
import { bytesToUuid, SignedTokenCodec, UUID_BYTES, uuidToBytes } from '../core/tokens/signed-token';

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
 * Token layout (SignedTokenCodec: header, key id, payload, MAC; base64url, no padding):
 *   header   version (high nibble, 1) | reserved (bit 3, 0) | test flag (bit 2, only with a blast)
 *            | has-blast flag (bit 1) | purpose (bit 0: 0 preferences, 1 unsubscribe)
 *   payload  subscriber uuid (16 bytes), then the blast uuid (16 bytes) only with the has-blast flag
 * 35 or 51 bytes → 47 or 68 characters: small enough for every message header.
 */
const VERSION = 1;
const TEST = 0b100;
const HAS_BLAST = 0b10;
const UNSUBSCRIBE_BIT = 0b01;

/**
 * Signs and verifies the opaque tokens of preference and unsubscribe links (UNSUB-1). Pure CPU (one HMAC), no
 * database: the send loop calls it per recipient. Tokens signed with a secret listed in TOKEN_PREVIOUS_SECRETS keep
 * verifying after a rotation; new ones are always signed with TOKEN_SECRET.
 */
@Injectable()
export class UnsubscribeTokenService {
  private readonly codec: SignedTokenCodec;

  constructor(env: Env) {
    // A sub-key of its own: TOKEN_SECRET also keys the suppression hashes, and the two must never be interchangeable.
    this.codec = new SignedTokenCodec([env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS], 'cloture:link-tokens:v1', 'cloture-link');
  }

  sign(claims: LinkTokenClaims): string {
    if (claims.test && !claims.blastId) throw new Error('a test link names the blast it was sent for');
    const header =
      (VERSION << 4) | (claims.test ? TEST : 0) | (claims.blastId ? HAS_BLAST : 0) | (claims.purpose === 'unsubscribe' ? UNSUBSCRIBE_BIT : 0);
    const ids = [uuidToBytes(claims.subscriberId)];
    if (claims.blastId) ids.push(uuidToBytes(claims.blastId));
    return this.codec.seal(header, Buffer.concat(ids));
  }

  /** The claims of a genuine token, or null for anything else (tampered, truncated, unknown key, wrong purpose). */
  verify(token: string, purpose?: TokenPurpose): LinkTokenClaims | null {
    const opened = this.codec.open(token, [UUID_BYTES, 2 * UUID_BYTES]);
    if (!opened) return null;
    const { header, payload } = opened;
    if (header >> 4 !== VERSION || (header & 0b1000) !== 0) return null;
    const hasBlast = (header & HAS_BLAST) !== 0;
    const test = (header & TEST) !== 0;
    if (test && !hasBlast) return null;
    if (payload.length !== (hasBlast ? 2 * UUID_BYTES : UUID_BYTES)) return null;
    const claimedPurpose: TokenPurpose = header & UNSUBSCRIBE_BIT ? 'unsubscribe' : 'preferences';
    if (purpose && claimedPurpose !== purpose) return null;
    const claims: LinkTokenClaims = { subscriberId: bytesToUuid(payload.subarray(0, UUID_BYTES)), purpose: claimedPurpose };
    if (hasBlast) claims.blastId = bytesToUuid(payload.subarray(UUID_BYTES));
    if (test) claims.test = true;
    return claims;
  }
}
