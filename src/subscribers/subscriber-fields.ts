import { BadRequestException } from '@nestjs/common';
import { isValidEmail, normalizeEmail } from '../core/mail/email-address';
import { isUspsState, normalizeZip, stateForZip } from './zip-states';

/** Limits shared by the API DTOs, the upsert and the CSV import (the table's CHECK constraints agree). */
export const NAME_MAX_LENGTH = 100;
export const TAG_MAX_LENGTH = 100;
export const TAGS_MAX_COUNT = 100;
export const CUSTOM_FIELDS_MAX_BYTES = 16 * 1024;
export const SOURCE_MAX_LENGTH = 200;
export const CONSENT_TEXT_MAX_LENGTH = 2000;

/**
 * The one rule for custom field names (API, CSV import mappings, segment rules, merge fields): 1-64 characters of
 * A-Z a-z 0-9 _ . - starting with a letter, digit or underscore — never a prototype key (`__proto__`,
 * `constructor`, `prototype`), which a copy into a plain object would turn into a prototype write.
 */
export const CUSTOM_FIELD_NAME_RULE = 'field names are 1-64 characters of A-Z a-z 0-9 _ . - (not __proto__, constructor or prototype)';
const CUSTOM_FIELD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function isCustomFieldName(name: unknown): boolean {
  return typeof name === 'string' && CUSTOM_FIELD_NAME.test(name) && !['__proto__', 'constructor', 'prototype'].includes(name);
}

/** A profile field that failed validation; `field` is the input's name (e.g. `zip`). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function cleanEmail(email: unknown, field = 'email'): string {
  if (typeof email !== 'string') throw new FieldError(field, 'must be a string');
  const e = normalizeEmail(email);
  if (!isValidEmail(e)) throw new FieldError(field, 'must be a valid email address');
  return e;
}

/** Trimmed name or null when empty; over-long → error. */
export function cleanName(v: unknown, field: string): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string') throw new FieldError(field, 'must be a string');
  const s = v.trim();
  if (s.length > NAME_MAX_LENGTH) throw new FieldError(field, `must be at most ${NAME_MAX_LENGTH} characters`);
  return s === '' ? null : s;
}

export function cleanZip(v: unknown, field = 'zip'): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
  if (typeof v !== 'string') throw new FieldError(field, 'must be a string');
  const z = normalizeZip(v);
  if (!z) throw new FieldError(field, 'must be a US ZIP code: 5 digits or ZIP+4 (12345-6789)');
  return z;
}

export function cleanState(v: unknown, field = 'state'): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
  if (typeof v !== 'string') throw new FieldError(field, 'must be a string');
  const s = v.trim().toUpperCase();
  if (!isUspsState(s)) throw new FieldError(field, 'must be a 2-letter USPS state or territory code');
  return s;
}

export function cleanTags(v: unknown, field = 'tags'): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new FieldError(field, 'must be an array of strings');
  const out = new Set<string>();
  v.forEach((t, i) => {
    if (typeof t !== 'string') throw new FieldError(`${field}[${i}]`, 'must be a string');
    const s = t.trim();
    if (s === '') throw new FieldError(`${field}[${i}]`, 'must not be empty');
    if (s.length > TAG_MAX_LENGTH) throw new FieldError(`${field}[${i}]`, `must be at most ${TAG_MAX_LENGTH} characters`);
    out.add(s);
  });
  if (out.size > TAGS_MAX_COUNT) throw new FieldError(field, `must have at most ${TAGS_MAX_COUNT} tags`);
  return [...out];
}

export function cleanCustomFields(v: unknown, field = 'customFields'): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new FieldError(field, 'must be a JSON object');
  for (const key of Object.keys(v)) if (!isCustomFieldName(key)) throw new FieldError(`${field}.${key.slice(0, 64)}`, CUSTOM_FIELD_NAME_RULE);
  if (Buffer.byteLength(JSON.stringify(v)) > CUSTOM_FIELDS_MAX_BYTES) {
    throw new FieldError(field, `must be at most ${CUSTOM_FIELDS_MAX_BYTES} bytes of JSON`);
  }
  return v as Record<string, unknown>;
}

/** State as given, else derived from the ZIP (5-digit exceptions before the 3-digit prefix). */
export function resolveState(state: string | null | undefined, zip: string | null | undefined): string | null | undefined {
  if (state) return state;
  if (zip) return stateForZip(zip) ?? state;
  return state;
}

/** Runs a cleaning step and turns its FieldError into the API's 400 naming the field. */
export function orBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FieldError) {
      throw new BadRequestException({ message: e.message, details: [{ path: e.field, message: e.message.slice(e.field.length + 2) }] });
    }
    throw e;
  }
}
