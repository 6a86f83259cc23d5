import { isEmail } from 'class-validator';

export const EMAIL_MAX_LENGTH = 254;

/**
 * The stored form of an address (SUB-1): trimmed, domain lower-cased, local part kept as given (some mail
 * systems treat it case-sensitively; uniqueness is case-insensitive anyway through the lower(email) index).
 */
export function normalizeEmail(email: string): string {
  const e = (email ?? '').trim();
  const at = e.lastIndexOf('@');
  if (at < 0) return e;
  return `${e.slice(0, at)}@${e.slice(at + 1).toLowerCase()}`;
}

/** Syntactic check of a normalized address: one @, a dotted domain, at most 254 characters. */
export function isValidEmail(email: string): boolean {
  return email.length > 0 && email.length <= EMAIL_MAX_LENGTH && isEmail(email, { allow_utf8_local_part: true });
}
