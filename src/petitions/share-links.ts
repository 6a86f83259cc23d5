import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { Env } from '../core/config/env';
import { SignedTokenCodec } from '../core/tokens/signed-token';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODE_LENGTH = 10;
const VERSION = 1;
/** A share code: 10 base62 characters (~59 bits). */
export const SHARE_CODE_PATTERN = /^[0-9A-Za-z]{10}$/;

/** A signer's own share code: random, so it says nothing about their address or signature id. */
export function newShareCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

export interface ShareLinks {
  /** The petition's address with the signer's code: `…/p/<slug>?ref=<code>`. */
  url: string;
  email: string;
  sms: string;
  whatsapp: string;
  facebook: string;
  x: string;
}

/** Plain share links (no third-party scripts): each network's documented share URL with the text and link. */
export function shareLinks(url: string, title: string): ShareLinks {
  const e = encodeURIComponent;
  const text = `I just signed "${title}". Will you add your name?`;
  return {
    url,
    email: `mailto:?subject=${e(title)}&body=${e(`${text}\n\n${url}`)}`,
    // `?&body=` is the form both iOS and Android messaging apps read.
    sms: `sms:?&body=${e(`${text} ${url}`)}`,
    whatsapp: `https://wa.me/?text=${e(`${text} ${url}`)}`,
    facebook: `https://www.facebook.com/sharer/sharer.php?u=${e(url)}`,
    x: `https://x.com/intent/tweet?text=${e(text)}&url=${e(url)}`,
  };
}

/**
 * The signer's personal thank-you page (`/p/<slug>/thanks/<token>`) shows how many people their link brought.
 * The share code alone is public (it is in every link they share), so the page wants a signed token over it:
 * core's SignedTokenCodec with a key of its own (TOKEN_SECRET, previous secrets still verifying after a rotation).
 */
@Injectable()
export class ShareTokenService {
  private readonly codec: SignedTokenCodec;

  constructor(env: Env) {
    this.codec = new SignedTokenCodec([env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS], 'cloture:petition-share:v1', 'cloture-share');
  }

  sign(code: string): string {
    return this.codec.seal(VERSION, Buffer.from(code, 'ascii'));
  }

  /** The share code of a genuine token, or null (tampered, truncated, unknown key). */
  verify(token: unknown): string | null {
    const opened = this.codec.open(token, [CODE_LENGTH]);
    if (!opened || opened.header !== VERSION) return null;
    const code = opened.payload.toString('ascii');
    return SHARE_CODE_PATTERN.test(code) ? code : null;
  }
}
