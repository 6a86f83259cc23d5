import { isValidEmail, normalizeEmail } from '../../core/mail/email-address';
import {
  cleanName,
  cleanState,
  cleanTags,
  cleanZip,
  CUSTOM_FIELDS_MAX_BYTES,
  FieldError,
  resolveState,
} from '../subscriber-fields';
import { ResolvedMapping } from './import-mapping';
import { ImportRowIssueReason } from './subscriber-import.entity';

/** One valid row, ready for the staging table. `tags` already include the import's own tags. */
export interface StagedRow {
  email: string;
  firstName: string | null;
  lastName: string | null;
  zip: string | null;
  state: string | null;
  tags: string[];
  customFields: Record<string, string> | null;
}

export type CleanedRow = { row: StagedRow } | { reason: ImportRowIssueReason; message: string };

const TAG_SPLIT = /[;,|]/;

/**
 * Validates and normalizes one CSV record with the same rules as the API (SUB-1). Bad email → `invalid_email`;
 * bad ZIP/state, over-long names or tags, wrong column count → `invalid_row`. Never throws.
 */
export function cleanImportRow(record: string[], mapping: ResolvedMapping, importTags: string[]): CleanedRow {
  const width = mapping.header.length;
  if (record.length !== width && !(record.length > width && record.slice(width).every((c) => c.trim() === ''))) {
    return { reason: 'invalid_row', message: `expected ${width} columns, found ${record.length}` };
  }
  const c = mapping.columns;
  const at = (i: number | undefined) => (i === undefined ? undefined : record[i]);
  const email = normalizeEmail(at(c.email) ?? '');
  if (!isValidEmail(email)) {
    return { reason: 'invalid_email', message: email ? 'email: not a valid email address' : 'email: empty' };
  }
  try {
    const zip = cleanZip(at(c.zip)) ?? null;
    const state = resolveState(cleanState(at(c.state)), zip) ?? null;
    const rawTags = at(c.tags);
    const rowTags = rawTags ? cleanTags(rawTags.split(TAG_SPLIT).map((t) => t.trim()).filter(Boolean)) ?? [] : [];
    const tags = rowTags.length ? [...new Set([...rowTags, ...importTags])] : importTags;
    let customFields: Record<string, string> | null = null;
    for (const [key, index] of mapping.customFields) {
      const v = record[index]?.trim();
      if (v) (customFields ??= {})[key] = v;
    }
    if (customFields && JSON.stringify(customFields).length > CUSTOM_FIELDS_MAX_BYTES) {
      return { reason: 'invalid_row', message: `customFields: more than ${CUSTOM_FIELDS_MAX_BYTES} bytes` };
    }
    return {
      row: {
        email,
        firstName: cleanName(at(c.firstName), 'firstName') ?? null,
        lastName: cleanName(at(c.lastName), 'lastName') ?? null,
        zip,
        state,
        tags,
        customFields,
      },
    };
  } catch (e) {
    if (e instanceof FieldError) return { reason: 'invalid_row', message: e.message };
    throw e;
  }
}

/** PostgreSQL COPY text format: backslash, tab, newline and carriage return escaped; null is \N. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r')) : v;
}

/** Separator of the tags column in staging (removed from the tags themselves). */
export const STAGED_TAG_SEPARATOR = '\u001f';

/** One line of `COPY import_staging (line, email, first_name, last_name, zip, state, tags, custom_fields)`. */
export function copyLine(line: number, r: StagedRow): string {
  return [
    String(line),
    copyText(r.email),
    copyText(r.firstName),
    copyText(r.lastName),
    copyText(r.zip),
    copyText(r.state),
    copyText(r.tags.length ? r.tags.map((t) => t.replaceAll(STAGED_TAG_SEPARATOR, '')).join(STAGED_TAG_SEPARATOR) : null),
    copyText(r.customFields ? JSON.stringify(r.customFields) : null),
  ].join('\t') + '\n';
}
