import { Injectable } from '@nestjs/common';
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { Env } from '../core/config/env';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODE_LENGTH = 10;
const MAC_BYTES = 12;
/** A share code (10 base62 characters, ~59 bits) and the personal-page token (code, dot, 16-character MAC). */
export const SHARE_CODE_PATTERN = /^[0-9A-Za-z]{10}$/;
const TOKEN_PATTERN = /^([0-9A-Za-z]{10})\.([A-Za-z0-9_-]{16})$/;

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
 * The share code alone is public (it is in every link they share), so the page wants a MAC over it as well:
 * HMAC(TOKEN_SECRET-derived key, code). Tokens made with a previous secret keep verifying after a rotation.
 */
@Injectable()
export class ShareTokenService {
  private readonly keys: Buffer[];

  constructor(env: Env) {
    // A sub-key of its own, never interchangeable with the link tokens' or the suppression hashes'.
    this.keys = [env.tokenSecret, ...env.TOKEN_PREVIOUS_SECRETS].map((s) => createHmac('sha256', s).update('cloture:petition-share:v1').digest());
  }

  sign(code: string): string {
    return `${code}.${this.mac(this.keys[0], code).toString('base64url')}`;
  }

  /** The share code of a genuine token, or null (tampered, truncated, unknown). */
  verify(token: unknown): string | null {
    const m = typeof token === 'string' ? TOKEN_PATTERN.exec(token) : null;
    if (!m) return null;
    const given = Buffer.from(m[2], 'base64url');
    if (given.length !== MAC_BYTES || given.toString('base64url') !== m[2]) return null;
    return this.keys.some((k) => timingSafeEqual(this.mac(k, m[1]), given)) ? m[1] : null;
  }

  private mac(key: Buffer, code: string): Buffer {
    return createHmac('sha256', key).update(code).digest().subarray(0, MAC_BYTES);
  }
}
