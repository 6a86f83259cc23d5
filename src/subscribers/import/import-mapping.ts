import { CUSTOM_FIELD_NAME_RULE, isCustomFieldName } from '../subscriber-fields';
/**
 * Column mapping of a CSV import (SUB-4): which header names feed which subscriber field. Fields left out of an
 * explicit mapping are matched by common header names ("E-mail", "First Name", "ZIP code", …). Pure functions, so
 * the API (at upload, from the header line) and the worker (when it runs) agree.
 */
export const MAPPABLE_FIELDS = ['email', 'firstName', 'lastName', 'zip', 'state', 'tags'] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

export interface ImportMapping {
  email?: string;
  firstName?: string;
  lastName?: string;
  zip?: string;
  state?: string;
  /** A column of tags separated by `;`, `,` or `|`. */
  tags?: string;
  /** Custom field key → column. */
  customFields?: Record<string, string>;
}

/** The mapping resolved against a header: column indexes. */
export interface ResolvedMapping {
  columns: Partial<Record<MappableField, number>>;
  customFields: [key: string, index: number][];
  header: string[];
}

const ALIASES: Record<MappableField, string[]> = {
  email: ['email', 'emailaddress', 'e-mail', 'mail', 'emailaddr'],
  firstName: ['firstname', 'first', 'givenname', 'fname', 'forename'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'lname'],
  zip: ['zip', 'zipcode', 'postalcode', 'postcode', 'zip5', 'zippostalcode'],
  state: ['state', 'st', 'stateabbr', 'statecode', 'region'],
  tags: ['tags', 'tag', 'labels'],
};

const key = (h: string) => h.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

export class MappingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Shape check of a mapping given by a client (before any header is known). */
export function validateMappingShape(raw: unknown): ImportMapping {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new MappingError('mapping', 'must be a JSON object');
  const out: ImportMapping = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === 'customFields') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MappingError('mapping.customFields', 'must be an object of field name → column');
      const cf: Record<string, string> = {};
      for (const [ck, cv] of Object.entries(v as Record<string, unknown>)) {
        if (!isCustomFieldName(ck)) throw new MappingError(`mapping.customFields.${ck.slice(0, 64)}`, CUSTOM_FIELD_NAME_RULE);
        if (typeof cv !== 'string' || !cv.trim() || cv.length > 200) throw new MappingError(`mapping.customFields.${ck}`, 'must be a column name');
        cf[ck] = cv;
      }
      out.customFields = cf;
    } else if ((MAPPABLE_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'string' || !v.trim() || v.length > 200) throw new MappingError(`mapping.${k}`, 'must be a column name');
      out[k as MappableField] = v;
    } else {
      throw new MappingError(`mapping.${k}`, `unknown field (mappable: ${[...MAPPABLE_FIELDS, 'customFields'].join(', ')})`);
    }
  }
  return out;
}

/**
 * Resolves a mapping against the file's header. Explicit columns must exist (exact name, else case/punctuation-
 * insensitive); unmapped fields are guessed from common names. Throws MappingError naming the mapping entry.
 */
export function resolveMapping(mapping: ImportMapping, header: string[]): ResolvedMapping {
  const exact = new Map<string, number[]>();
  const loose = new Map<string, number[]>();
  header.forEach((h, i) => {
    exact.set(h.trim(), [...(exact.get(h.trim()) ?? []), i]);
    loose.set(key(h), [...(loose.get(key(h)) ?? []), i]);
  });
  const columnsList = header.map((h) => JSON.stringify(h)).join(', ');
  const find = (path: string, column: string): number => {
    const hits = exact.get(column.trim()) ?? loose.get(key(column)) ?? [];
    if (hits.length === 0) throw new MappingError(path, `column ${JSON.stringify(column)} is not in the file's header (${columnsList})`);
    if (hits.length > 1) throw new MappingError(path, `column ${JSON.stringify(column)} appears ${hits.length} times in the header`);
    return hits[0];
  };
  const columns: ResolvedMapping['columns'] = {};
  for (const f of MAPPABLE_FIELDS) {
    const given = mapping[f];
    if (given) columns[f] = find(`mapping.${f}`, given);
    else {
      for (const alias of ALIASES[f]) {
        const hits = loose.get(key(alias));
        if (hits?.length === 1) {
          columns[f] = hits[0];
          break;
        }
      }
    }
  }
  if (columns.email === undefined) {
    throw new MappingError('mapping.email', `no email column: name it in mapping.email (the header has ${columnsList})`);
  }
  const customFields = Object.entries(mapping.customFields ?? {}).map(
    ([k, col]) => [k, find(`mapping.customFields.${k}`, col)] as [string, number],
  );
  return { columns, customFields, header };
}
