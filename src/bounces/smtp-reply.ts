/**
 * Reading an SMTP reply (RFC 5321 basic code + RFC 3463 enhanced status) into a bounce type. Pure, so the
 * send loop, DSN intake and webhooks classify the same way.
 */
export type BounceType = 'hard' | 'soft' | 'complaint' | 'policy';

export interface SmtpReplyClass {
  type: Exclude<BounceType, 'complaint'> | 'none';
  /** `5.1.1`, when the reply carries one. */
  enhanced: string | null;
}

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** The enhanced status code inside a reply or diagnostic text, e.g. `5.7.26`. */
export function enhancedStatusOf(text: string | null | undefined): string | null {
  const m = (text ?? '').match(ENHANCED);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : null;
}

/**
 * COMP-3: a 5xx is a hard bounce, unless its enhanced status is 5.7.x — a policy verdict about the sender
 * (authentication, DMARC, reputation) that says nothing about the recipient's address, so nobody is suppressed.
 * 4xx is a deferral (soft once retries are exhausted); 2xx/3xx is no bounce at all.
 */
export function classifySmtpReply(responseCode: number | null | undefined, response?: string | null): SmtpReplyClass {
  const enhanced = enhancedStatusOf(response);
  const klass = responseCode && responseCode >= 200 && responseCode < 600 ? Math.floor(responseCode / 100) : Number(enhanced?.[0] ?? 0);
  if (klass === 5) return { type: enhanced?.startsWith('5.7.') ? 'policy' : 'hard', enhanced };
  if (klass === 4) return { type: 'soft', enhanced };
  return { type: 'none', enhanced };
}
