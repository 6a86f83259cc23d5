import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature of a bounce webhook: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-cloture-signature';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

export function signWebhookBody(secret: string, raw: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** True only for a well-formed signature of exactly these bytes under this secret; compared in constant time. */
export function verifyWebhookSignature(secret: string, raw: Buffer | string | undefined, header: unknown): boolean {
  if (!secret || raw === undefined || typeof header !== 'string') return false;
  const m = SIGNATURE.exec(header.trim());
  if (!m) return false;
  const given = Buffer.from(m[1], 'hex');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
