export const EMAIL_MAX_LENGTH = 254;

/**
 * What Cloture accepts as an address, everywhere (API, imports, petitions): dot-atom local part (ASCII specials
 * and non-ASCII letters, no leading/trailing/double dots, ≤ 64 characters) @ a dotted host name whose last label
 * is alphabetic (or punycode). A plain regex on purpose: an import validates a million of these.
 */
export const EMAIL_PATTERN =
  /^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

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

/** Syntactic check of a normalized address (see EMAIL_PATTERN), at most 254 characters. */
export function isValidEmail(email: string): boolean {
  return email.length > 0 && email.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(email);
}
