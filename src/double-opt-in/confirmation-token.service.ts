import { Injectable } from '@nestjs/common';
import { Env } from '../core/config/env';
import { isUuid } from '../core/http/uuid';
import { bytesToUuid, SignedTokenCodec, UUID_BYTES, uuidToBytes } from '../core/tokens/signed-token';

/*
 * Opt-in confirmation link tokens (COMP-4), a SignedTokenCodec token: header = version (1), payload = the subscriber
 * uuid; 35 bytes → 47 characters. The key is derived for this purpose only, so a preference or unsubscribe token can
 * never pass as a confirmation (and the other way round). No address inside; no expiry: a link only ever confirms an
 * `unconfirmed` subscriber, so an old one can do no harm.
 */
const VERSION = 1;

@Injectable()
export class ConfirmationTokenService {
  private readonly codec: SignedTokenCodec;

  constructor(env: Env) {
    this.codec = new SignedTokenCodec([env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS], 'cloture:opt-in-confirmation:v1', 'cloture-opt-in');
  }

  sign(subscriberId: string): string {
    if (!isUuid(subscriberId)) throw new Error('confirmation tokens name subscribers by uuid');
    return this.codec.seal(VERSION, uuidToBytes(subscriberId));
  }

  /** The subscriber id of a genuine token; null for anything else (tampered, truncated, foreign key or purpose). */
  verify(token: string): string | null {
    const opened = this.codec.open(token, [UUID_BYTES]);
    return opened && opened.header === VERSION ? bytesToUuid(opened.payload) : null;
  }
}
