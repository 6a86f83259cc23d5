import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { domainToASCII } from 'node:url';

export const EMAIL_MAX_LENGTH = 254;

/**
 * The syntax Cloture accepts for an address, after normalization (see `normalizeEmail`): dot-atom local part (ASCII
 * specials and non-ASCII letters, no leading/trailing/double dots, ≤ 64 characters) @ a dotted ASCII host name whose
 * last label is alphabetic or punycode. A plain regex on purpose: an import validates a million of these.
 */
export const EMAIL_PATTERN =
  /^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/**
 * Outside printable ASCII, an address holds letters, marks and digits only (as mail providers allow in
 * internationalized addresses). Refused: controls (C0, C1), format characters (bidi overrides such as U+202E,
 * zero-width spaces and joiners, the BOM, soft hyphen), separators, symbols and emoji, private-use, unassigned and
 * lone surrogate code points — and U+FFFD, which stands for bytes that were not valid UTF-8.
 */
const INVISIBLE_OR_CONTROL = /[^\x21-\x7E\p{L}\p{M}\p{N}]/u;

/**
 * The one stored form of an address (SUB-1), used by every way an address comes in (API, imports, petitions,
 * signups, webhooks): trimmed; Unicode NFKC (full-width `ｆｕｌｌ` and ligatures `ﬁ` become the letters they show);
 * the domain lower-cased and in its ASCII (IDNA, punycode) form, so `idn@bücher.example` and
 * `idn@xn--bcher-kva.example` are one address. The local part keeps its case (some mail systems treat it
 * case-sensitively; uniqueness is case-insensitive anyway through the lower(email) index). Idempotent.
 */
export function normalizeEmail(email: string): string {
  const e = (email ?? '').trim().normalize('NFKC');
  const at = e.lastIndexOf('@');
  if (at < 0) return e;
  const domain = e.slice(at + 1).toLowerCase();
  // IDNA would silently drop some invisible characters (a zero-width space): those are kept for the check to refuse.
  // domainToASCII answers '' for a name IDNA refuses: kept as given too.
  const ascii = /^[\x20-\x7e]*$/.test(domain) || INVISIBLE_OR_CONTROL.test(domain) ? domain : domainToASCII(domain) || domain;
  return `${e.slice(0, at)}@${ascii}`;
}

/** Syntactic check of a normalized address: no invisible or control character, EMAIL_PATTERN, at most 254 characters. */
export function isValidEmail(email: string): boolean {
  return email.length > 0 && email.length <= EMAIL_MAX_LENGTH && !INVISIBLE_OR_CONTROL.test(email) && EMAIL_PATTERN.test(email);
}

/** Normalized when valid, else null. */
export function canonicalEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const e = normalizeEmail(value);
  return isValidEmail(e) ? e : null;
}

/**
 * The DTO form of the same rule, for every field that carries an address: normalizes the value (`normalizeEmail`)
 * and refuses anything `isValidEmail` refuses, with `<field> must be a valid email address`. `each` for arrays.
 */
export function IsEmailAddress(options: ValidationOptions = {}): PropertyDecorator {
  const normalize = (v: unknown) => (typeof v === 'string' ? normalizeEmail(v) : v);
  return applyDecorators(
    Transform(({ value }) => (options.each && Array.isArray(value) ? value.map(normalize) : normalize(value))),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isEmailAddress',
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message: options.each ? 'each value in $property must be a valid email address' : '$property must be a valid email address', ...options },
        validator: { validate: (value: unknown) => typeof value === 'string' && isValidEmail(value) },
      }),
  );
}
