import { BadRequestException } from '@nestjs/common';
import { CUSTOM_FIELD_NAME_RULE, isCustomFieldName } from '../subscribers/subscriber-fields';
import { isUspsState } from '../subscribers/zip-states';
import { isUuid } from '../core/http/uuid';

/**
 * The segment rule language (SEG-1) and its compiler to SQL (SEG-2) — the ONLY place rules become SQL.
 *
 * `buildSegmentQuery(rules, ctx)` validates a rule tree strictly and compiles it to a boolean condition over the
 * subscribers table aliased `s`, with `$n` placeholders numbered from `ctx.firstParamIndex`. Every value a client
 * sends travels as a bound parameter; the SQL text is assembled only from the constants below. Every leaf is
 * null-safe (never evaluates to NULL), so `{"not": …}` selects exactly the complement.
 *
 * The condition does NOT include `s.status = 'subscribed'`: callers add it (partial indexes are on that predicate).
 */

export const MAX_RULE_DEPTH = 10;
export const MAX_RULE_NODES = 500;
/** How many saved segments may be chained through `{"segment": id}` (A → B → C …). */
export const MAX_SEGMENT_NESTING = 5;
/** Rules after inlining referenced segments (a segment referencing another many times must not explode). */
export const MAX_EXPANDED_NODES = 2000;
const MAX_GROUP_ITEMS = 100;
const MAX_LIST_ITEMS = 1000;
const MAX_TEXT = 500;

export type Scalar = string | number | boolean;
export type FieldOp = 'eq' | 'neq' | 'in' | 'exists' | 'prefix' | 'gt' | 'gte' | 'lt' | 'lte';

export type SegmentRule =
  | { and: SegmentRule[] }
  | { or: SegmentRule[] }
  | { not: SegmentRule }
  | { tag: string | string[] }
  | { state: string | string[] }
  | { zipPrefix: string }
  | { field: string; op: FieldOp; value?: Scalar | Scalar[] }
  | { custom: string; op: FieldOp; value?: Scalar | Scalar[] }
  | { signed: string }
  | { signedAnySince: string }
  | { joined: { after?: string; before?: string } }
  | { received: string }
  | { topicOptedOut: string }
  | { segment: string };

export interface SegmentRuleError {
  path: string;
  message: string;
}

export interface SegmentQueryContext {
  /** Number of the first placeholder this condition uses (the caller's own parameters come before it). */
  firstParamIndex: number;
  /**
   * Rules of the saved segments that `{"segment": id}` may reference, keyed by id (the service loads the transitive
   * closure). A reference to an id not in the map is a 400.
   */
  segments?: ReadonlyMap<string, unknown>;
  /** The id of the segment these rules belong to, when saving it: a reference back to it is a cycle. */
  selfId?: string;
  /**
   * Petition ids by slug, for `{"signed": "<slug>"}` (the service resolves them first, so the planner sees the
   * actual petition id and its statistics). A slug missing from the map matches nobody. Without the map, slugs are
   * resolved in SQL by a sub-select.
   */
  petitionIdsBySlug?: ReadonlyMap<string, string>;
  /** Path prefix in error messages (default `rules`, the request body field). */
  path?: string;
  /**
   * When given, `signed`, `received` and `topicOptedOut` rules naming something not in these sets are refused (400
   * naming the rule): rules being saved or previewed. Without, they match nobody (a saved segment, later).
   */
  references?: SegmentReferences;
}

/** The petitions, blasts and topics that exist among those a tree names (lower-cased ids). */
export interface SegmentReferences {
  petitions: ReadonlySet<string>;
  blasts: ReadonlySet<string>;
  topics: ReadonlySet<string>;
}

export interface SegmentQuery {
  /** Boolean SQL condition over `s` (subscribers). */
  sql: string;
  params: unknown[];
}

/** 400 in the project's envelope: `details` lists `{path, message}` for every bad node. */
export class InvalidSegmentRulesException extends BadRequestException {
  constructor(readonly errors: SegmentRuleError[]) {
    super({ message: `Invalid segment rules: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, details: errors });
  }
}

/** Saved-segment profile fields a `{"field": …}` rule may read; the column text is the only SQL they contribute. */
type FieldKind = 'text' | 'email' | 'state' | 'zip' | 'enum' | 'date';
interface FieldSpec {
  column: string;
  kind: FieldKind;
  values?: readonly string[];
}
const FREQUENCY_VALUES = ['all', 'weekly', 'monthly', 'important_only'] as const;
export const SEGMENT_FIELDS: Readonly<Record<string, FieldSpec>> = {
  firstName: { column: 's.first_name', kind: 'text' },
  lastName: { column: 's.last_name', kind: 'text' },
  // Compared lower-cased (addresses are unique case-insensitively; the unique index is on lower(email)).
  email: { column: 'lower(s.email)', kind: 'email' },
  zip: { column: 's.zip', kind: 'zip' },
  state: { column: 's.state', kind: 'state' },
  source: { column: 's.source', kind: 'text' },
  consentSource: { column: 's.consent_source', kind: 'text' },
  frequency: { column: 's.frequency', kind: 'enum', values: FREQUENCY_VALUES },
  createdAt: { column: 's.created_at', kind: 'date' },
  updatedAt: { column: 's.updated_at', kind: 'date' },
  consentAt: { column: 's.consent_at', kind: 'date' },
};

const TEXT_OPS: readonly FieldOp[] = ['eq', 'neq', 'in', 'exists', 'prefix'];
const OPS_BY_KIND: Record<FieldKind, readonly FieldOp[]> = {
  text: TEXT_OPS,
  email: TEXT_OPS,
  zip: TEXT_OPS,
  state: ['eq', 'neq', 'in', 'exists'],
  enum: ['eq', 'neq', 'in'],
  date: ['exists', 'gt', 'gte', 'lt', 'lte'],
};
const CUSTOM_OPS: readonly FieldOp[] = ['eq', 'neq', 'in', 'exists', 'prefix', 'gt', 'gte', 'lt', 'lte'];
const COMPARE_SQL: Partial<Record<FieldOp, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

const RULE_KINDS = [
  'and',
  'or',
  'not',
  'tag',
  'state',
  'zipPrefix',
  'field',
  'custom',
  'signed',
  'signedAnySince',
  'joined',
  'received',
  'topicOptedOut',
  'segment',
] as const;
type RuleKind = (typeof RULE_KINDS)[number];
const COMPANION_KEYS: Partial<Record<RuleKind, readonly string[]>> = { field: ['op', 'value'], custom: ['op', 'value'] };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A strict ISO 8601 date or date-time as an ISO instant (UTC when no offset is given), or undefined: no 31 February
 * (JavaScript would roll it into March) and years 1900–9999 only (PostgreSQL rejects year 0).
 */
export function parseRuleDate(value: string): string | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', offset = 'Z'] = m;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac.slice(0, 4)}${offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NUMERIC_TEXT = '^-?[0-9]+(\\.[0-9]+)?$';
const FALSE_SQL = 'FALSE';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const quoteForMessage = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
const keyPath = (path: string, key: string) =>
  /^[A-Za-z_$][\w$]*$/.test(key) && key.length <= 40 ? `${path}.${key}` : `${path}[${quoteForMessage(key)}]`;
/** LIKE pattern matching values that start with `prefix` literally (its own % and _ escaped). */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

class Compiler {
  readonly params: unknown[] = [];
  readonly errors: SegmentRuleError[] = [];
  private nodes = 0;

  constructor(
    private readonly firstParamIndex: number,
    private readonly segments: ReadonlyMap<string, unknown>,
    /** Saved segments being expanded (outermost first): a reference to one of them is a cycle. */
    private readonly stack: string[],
    private readonly petitionIdsBySlug?: ReadonlyMap<string, string>,
    /** Nodes compiled so far across this tree and every segment inlined into it. */
    private readonly expanded = { nodes: 0 },
    /** Ids that exist, when references must be checked (this tree only; inlined saved segments are not re-judged). */
    private readonly references?: SegmentReferences,
  ) {}

  /** Binds a value and returns its typed placeholder. */
  param(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.firstParamIndex + this.params.length - 1}::${cast}`;
  }

  fail(path: string, message: string): string {
    this.errors.push({ path, message });
    return FALSE_SQL;
  }

  rule(rule: unknown, path: string, depth: number): string {
    if (++this.nodes === MAX_RULE_NODES + 1) return this.fail(path, `too many rules (at most ${MAX_RULE_NODES} nodes)`);
    if (this.nodes > MAX_RULE_NODES) return FALSE_SQL;
    if (++this.expanded.nodes === MAX_EXPANDED_NODES + 1) {
      return this.fail(path, `the referenced segments expand to too many rules (at most ${MAX_EXPANDED_NODES})`);
    }
    if (this.expanded.nodes > MAX_EXPANDED_NODES) return FALSE_SQL;
    if (depth > MAX_RULE_DEPTH) return this.fail(path, `rules nest too deeply (at most ${MAX_RULE_DEPTH} levels)`);
    if (!isObject(rule)) return this.fail(path, 'must be a rule object such as {"tag": "volunteer"}');
    const keys = Object.keys(rule);
    if (keys.length === 0) return this.fail(path, 'empty rule: expected one of ' + RULE_KINDS.join(', '));
    const kinds = keys.filter((k): k is RuleKind => (RULE_KINDS as readonly string[]).includes(k));
    if (kinds.length === 0) {
      return this.fail(keyPath(path, keys[0]), `unknown rule "${keys[0].slice(0, 40)}": expected one of ${RULE_KINDS.join(', ')}`);
    }
    if (kinds.length > 1) return this.fail(path, `a rule has exactly one kind, found ${kinds.join(' and ')}: combine them with "and"`);
    const kind = kinds[0];
    const companions = COMPANION_KEYS[kind] ?? [];
    const unknown = keys.filter((k) => k !== kind && !companions.includes(k));
    if (unknown.length) {
      for (const k of unknown) this.fail(keyPath(path, k), `unknown key in a "${kind}" rule`);
      return FALSE_SQL;
    }
    const value = rule[kind];
    const at = `${path}.${kind}`;
    switch (kind) {
      case 'and':
      case 'or':
        return this.group(kind, value, at, depth);
      case 'not':
        return `NOT (${this.rule(value, at, depth + 1)})`;
      case 'tag':
        return this.tag(value, at);
      case 'state':
        return this.state(value, at);
      case 'zipPrefix':
        return this.zipPrefix(value, at);
      case 'field':
        return this.field(rule, path);
      case 'custom':
        return this.custom(rule, path);
      case 'signed':
        return this.signed(value, at);
      case 'signedAnySince': {
        const since = this.date(value, at);
        if (since === undefined) return FALSE_SQL;
        // petition_signatures (subscriber_id, created_at) index.
        return `EXISTS (SELECT 1 FROM petition_signatures ps WHERE ps.subscriber_id = s.id AND ps.created_at >= ${this.param(since, 'timestamptz')})`;
      }
      case 'joined':
        return this.joined(value, at);
      case 'received': {
        const id = this.uuid(value, at, 'a blast id');
        if (id === undefined) return FALSE_SQL;
        if (!this.known('blasts', id)) return this.missing('blast', id, at);
        return `EXISTS (SELECT 1 FROM blast_deliveries bd WHERE bd.subscriber_id = s.id AND bd.blast_id = ${this.param(id, 'uuid')} AND bd.status = 'sent')`;
      }
      case 'topicOptedOut': {
        const id = this.uuid(value, at, 'a topic id');
        if (id === undefined) return FALSE_SQL;
        if (!this.known('topics', id)) return this.missing('topic', id, at);
        // Primary key (subscriber_id, topic_id) and subscriber_topic_opt_outs_topic_idx (topic_id, subscriber_id).
        return `EXISTS (SELECT 1 FROM subscriber_topic_opt_outs o WHERE o.subscriber_id = s.id AND o.topic_id = ${this.param(id, 'uuid')})`;
      }
      case 'segment':
        return this.segment(value, at);
    }
  }

  private group(kind: 'and' | 'or', items: unknown, path: string, depth: number): string {
    if (!Array.isArray(items)) return this.fail(path, `"${kind}" takes an array of rules`);
    if (items.length === 0) return this.fail(path, `empty "${kind}" group`);
    if (items.length > MAX_GROUP_ITEMS) return this.fail(path, `at most ${MAX_GROUP_ITEMS} rules in a group`);
    const parts = items.map((item, i) => this.rule(item, `${path}[${i}]`, depth + 1));
    // Every compiled node is a safe operand of AND/OR/NOT (parenthesised or binding tighter), so no extra parens.
    return parts.length === 1 ? parts[0] : `(${parts.join(kind === 'and' ? ' AND ' : ' OR ')})`;
  }

  private text(value: unknown, path: string, what = 'a string'): string | undefined {
    if (typeof value !== 'string') return void this.fail(path, `must be ${what}`);
    if (value.length === 0) return void this.fail(path, 'must not be empty');
    if (value.length > MAX_TEXT) return void this.fail(path, `must be at most ${MAX_TEXT} characters`);
    // PostgreSQL text cannot hold NUL: reject it here rather than fail in the database.
    if (value.includes('\u0000')) return void this.fail(path, 'must not contain NUL characters');
    // A lone surrogate cannot be stored as jsonb (PostgreSQL rejects the escaped form).
    if (LONE_SURROGATE.test(value)) return void this.fail(path, 'must be well-formed Unicode');
    return value;
  }

  /** A string or a non-empty array of strings (one-of), each checked by `each`. */
  private list(value: unknown, path: string, each: (v: unknown, p: string) => string | undefined): string[] | undefined {
    if (!Array.isArray(value)) {
      const one = each(value, path);
      return one === undefined ? undefined : [one];
    }
    if (value.length === 0) return void this.fail(path, 'must not be an empty list');
    if (value.length > MAX_LIST_ITEMS) return void this.fail(path, `at most ${MAX_LIST_ITEMS} values`);
    const out = value.map((v, i) => each(v, `${path}[${i}]`));
    return out.every((v) => v !== undefined) ? [...new Set(out as string[])] : undefined;
  }

  private uuid(value: unknown, path: string, what: string): string | undefined {
    if (typeof value !== 'string' || !isUuid(value)) return void this.fail(path, `must be ${what} (uuid)`);
    return value.toLowerCase();
  }

  private date(value: unknown, path: string): string | undefined {
    const iso = typeof value === 'string' ? parseRuleDate(value) : undefined;
    if (!iso) return void this.fail(path, 'must be an ISO 8601 date such as "2026-01-31" or "2026-01-31T12:00:00Z"');
    return iso;
  }

  private stateCode(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || !/^[A-Za-z]{2}$/.test(value)) return void this.fail(path, 'must be a 2-letter state code');
    if (!isUspsState(value.toUpperCase())) return void this.fail(path, `${quoteForMessage(value)} is not a USPS state or territory code`);
    return value.toUpperCase();
  }

  private tag(value: unknown, path: string): string {
    const tags = this.list(value, path, (v, p) => this.text(v, p, 'a tag (string) or a list of tags'));
    if (!tags) return FALSE_SQL;
    // GIN index subscribers_tags_subscribed_gin (partial on subscribed). A list means "any of these tags".
    return tags.length === 1 ? `s.tags @> ${this.param(tags, 'text[]')}` : `s.tags && ${this.param(tags, 'text[]')}`;
  }

  private state(value: unknown, path: string): string {
    const states = this.list(value, path, (v, p) => this.stateCode(v, p));
    if (!states) return FALSE_SQL;
    // subscribers_state_subscribed_idx.
    return `(s.state IS NOT NULL AND s.state = ANY (${this.param(states, 'text[]')}))`;
  }

  private zipPrefix(value: unknown, path: string): string {
    if (typeof value !== 'string' || !/^[0-9]{1,5}$/.test(value)) return this.fail(path, 'must be 1 to 5 digits, e.g. "802"');
    // subscribers_zip_subscribed_idx (text_pattern_ops): a LIKE 'digits%' pattern is an index range.
    return `(s.zip IS NOT NULL AND s.zip LIKE ${this.param(`${value}%`, 'text')})`;
  }

  private op(rule: Record<string, unknown>, path: string, allowed: readonly FieldOp[], subject: string): FieldOp | undefined {
    const op = rule.op;
    if (op === undefined) return void this.fail(`${path}.op`, `missing "op": one of ${allowed.join(', ')}`);
    if (typeof op !== 'string' || !(allowed as readonly string[]).includes(op)) {
      return void this.fail(`${path}.op`, `unknown operator for ${subject}: expected one of ${allowed.join(', ')}`);
    }
    return op as FieldOp;
  }

  /** `exists` takes an optional boolean (default true). */
  private existsFlag(rule: Record<string, unknown>, path: string): boolean | undefined {
    if (rule.value === undefined) return true;
    if (typeof rule.value !== 'boolean') return void this.fail(`${path}.value`, '"exists" takes true or false');
    return rule.value;
  }

  private field(rule: Record<string, unknown>, path: string): string {
    const name = rule.field;
    const spec = typeof name === 'string' && Object.hasOwn(SEGMENT_FIELDS, name) ? SEGMENT_FIELDS[name] : undefined;
    if (!spec) return this.fail(`${path}.field`, `unknown field: expected one of ${Object.keys(SEGMENT_FIELDS).join(', ')}`);
    const op = this.op(rule, path, OPS_BY_KIND[spec.kind], `field "${name as string}"`);
    if (!op) return FALSE_SQL;
    const col = spec.column;
    const vpath = `${path}.value`;

    if (op === 'exists') {
      const want = this.existsFlag(rule, path);
      if (want === undefined) return FALSE_SQL;
      const present = spec.kind === 'date' ? `${col} IS NOT NULL` : `(${col} IS NOT NULL AND ${col} <> '')`;
      return want ? present : `NOT ${present}`;
    }
    if (spec.kind === 'date') {
      if (rule.value === undefined) return this.fail(vpath, 'missing "value"');
      const when = this.date(rule.value, vpath);
      if (when === undefined) return FALSE_SQL;
      return `(${col} IS NOT NULL AND ${col} ${COMPARE_SQL[op]} ${this.param(when, 'timestamptz')})`;
    }

    const one = (v: unknown, p: string): string | undefined => {
      switch (spec.kind) {
        case 'state':
          return this.stateCode(v, p);
        case 'enum':
          if (typeof v !== 'string' || !spec.values!.includes(v)) return void this.fail(p, `must be one of ${spec.values!.join(', ')}`);
          return v;
        case 'email': {
          const t = this.text(v, p);
          return t === undefined ? undefined : t.toLowerCase();
        }
        default:
          return this.text(v, p);
      }
    };
    if (rule.value === undefined) return this.fail(vpath, 'missing "value"');
    if (op === 'in') {
      if (!Array.isArray(rule.value)) return this.fail(vpath, '"in" takes a non-empty array of values');
      const values = this.list(rule.value, vpath, one);
      if (!values) return FALSE_SQL;
      return `(${col} IS NOT NULL AND ${col} = ANY (${this.param(values, 'text[]')}))`;
    }
    const value = one(rule.value, vpath);
    if (value === undefined) return FALSE_SQL;
    switch (op) {
      case 'eq':
        return `(${col} IS NOT NULL AND ${col} = ${this.param(value, 'text')})`;
      case 'neq':
        // A person with no value is "not equal" too, so neq is exactly the complement of eq.
        return `${col} IS DISTINCT FROM ${this.param(value, 'text')}`;
      default: // prefix
        return `(${col} IS NOT NULL AND ${col} LIKE ${this.param(likePrefix(value), 'text')})`;
    }
  }

  private customScalar(v: unknown, p: string): Scalar | undefined {
    if (typeof v === 'string') return this.text(v, p);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'boolean') return v;
    return void this.fail(p, 'must be a string, a number or a boolean');
  }

  /**
   * jsonb values a custom-field scalar matches: itself, and for numbers and booleans also their text form
   * (CSV imports store custom fields as strings).
   */
  private static customForms(key: string, v: Scalar): string[] {
    const forms = [JSON.stringify({ [key]: v })];
    if (typeof v !== 'string') forms.push(JSON.stringify({ [key]: String(v) }));
    return forms;
  }

  private custom(rule: Record<string, unknown>, path: string): string {
    const key = this.text(rule.custom, `${path}.custom`, 'the custom field name (a string)');
    if (key === undefined) return FALSE_SQL;
    if (!isCustomFieldName(key)) return this.fail(`${path}.custom`, CUSTOM_FIELD_NAME_RULE);
    const op = this.op(rule, path, CUSTOM_OPS, 'a custom field');
    if (!op) return FALSE_SQL;
    const vpath = `${path}.value`;
    const cf = 's.custom_fields';

    if (op === 'exists') {
      const want = this.existsFlag(rule, path);
      if (want === undefined) return FALSE_SQL;
      // `?` is served by the GIN index subscribers_custom_fields_subscribed_gin; a JSON null counts as absent.
      const k1 = this.param(key, 'text');
      const k2 = this.param(key, 'text');
      const present = `(${cf} ? ${k1} AND jsonb_typeof(${cf} -> ${k2}) <> 'null')`;
      return want ? present : `NOT ${present}`;
    }
    if (rule.value === undefined) return this.fail(vpath, 'missing "value"');

    if (op === 'eq' || op === 'neq' || op === 'in') {
      let forms: string[];
      if (op === 'in') {
        if (!Array.isArray(rule.value)) return this.fail(vpath, '"in" takes a non-empty array of values');
        if (rule.value.length === 0) return this.fail(vpath, 'must not be an empty list');
        if (rule.value.length > MAX_LIST_ITEMS) return this.fail(vpath, `at most ${MAX_LIST_ITEMS} values`);
        const values = rule.value.map((v, i) => this.customScalar(v, `${vpath}[${i}]`));
        if (values.some((v) => v === undefined)) return FALSE_SQL;
        forms = [...new Set(values.flatMap((v) => Compiler.customForms(key, v!)))];
      } else {
        const v = this.customScalar(rule.value, vpath);
        if (v === undefined) return FALSE_SQL;
        forms = Compiler.customForms(key, v);
      }
      // Containment (@>) is served by the GIN index on custom_fields; ANY over an array becomes a BitmapOr.
      const contains = forms.length === 1 ? `${cf} @> ${this.param(forms[0], 'jsonb')}` : `${cf} @> ANY (${this.param(forms, 'jsonb[]')})`;
      return op === 'neq' ? `NOT (${contains})` : contains;
    }
    if (op === 'prefix') {
      const v = this.text(rule.value, vpath);
      if (v === undefined) return FALSE_SQL;
      return `COALESCE((${cf} ->> ${this.param(key, 'text')}) LIKE ${this.param(likePrefix(v), 'text')}, FALSE)`;
    }
    // gt/gte/lt/lte: numeric comparison of numbers or numeric strings; anything else does not match.
    if (typeof rule.value !== 'number' || !Number.isFinite(rule.value)) return this.fail(vpath, `"${op}" takes a number`);
    const k1 = this.param(key, 'text');
    const k2 = this.param(key, 'text');
    const num = `CASE WHEN (${cf} ->> ${k1}) ~ '${NUMERIC_TEXT}' THEN (${cf} ->> ${k2})::numeric END`;
    return `COALESCE(${num} ${COMPARE_SQL[op]} ${this.param(String(rule.value), 'numeric')}, FALSE)`;
  }

  /**
   * With `references` (the rules an organizer is saving or previewing), a petition, blast or topic that does not
   * exist is a 400 naming the rule; without (a saved segment evaluated later), it matches nobody.
   */
  private missing(kind: 'petition' | 'blast' | 'topic', ref: string, path: string): string {
    return this.references ? this.fail(path, `${kind} ${quoteForMessage(ref)} does not exist`) : FALSE_SQL;
  }

  private known(kind: 'blasts' | 'topics', id: string): boolean {
    return !this.references || this.references[kind].has(id.toLowerCase());
  }

  private signed(value: unknown, path: string): string {
    const ref = this.text(value, path, 'a petition id or slug');
    if (ref === undefined) return FALSE_SQL;
    let petition: string;
    if (isUuid(ref)) {
      if (this.references && !this.references.petitions.has(ref.toLowerCase())) return this.missing('petition', ref, path);
      petition = this.param(ref.toLowerCase(), 'uuid');
    } else if (this.petitionIdsBySlug) {
      // Slugs are lower-case (petitions' check constraint); an unknown one matches nobody (or is refused, above).
      const id = this.petitionIdsBySlug.get(ref.toLowerCase());
      if (!id) return this.missing('petition', ref, path);
      petition = this.param(id, 'uuid');
    } else petition = `(SELECT p.id FROM petitions p WHERE p.slug = ${this.param(ref.toLowerCase(), 'text')})`;
    // petition_signatures_petition_subscriber_idx and subscribers_id_subscribed_idx: a semi-join of two index-only scans.
    return `EXISTS (SELECT 1 FROM petition_signatures ps WHERE ps.subscriber_id = s.id AND ps.petition_id = ${petition})`;
  }

  private joined(value: unknown, path: string): string {
    if (!isObject(value)) return this.fail(path, 'must be an object {"after": date, "before": date}');
    const unknown = Object.keys(value).filter((k) => k !== 'after' && k !== 'before');
    if (unknown.length) {
      for (const k of unknown) this.fail(keyPath(path, k), 'unknown key: expected "after" and/or "before"');
      return FALSE_SQL;
    }
    if (value.after === undefined && value.before === undefined) return this.fail(path, 'needs "after", "before" or both');
    const after = value.after === undefined ? null : this.date(value.after, `${path}.after`);
    const before = value.before === undefined ? null : this.date(value.before, `${path}.before`);
    if (after === undefined || before === undefined) return FALSE_SQL;
    if (after && before && after >= before) return this.fail(path, '"after" must be earlier than "before"');
    // subscribers_created_subscribed_idx. "after" is inclusive, "before" exclusive.
    const parts: string[] = [];
    if (after) parts.push(`s.created_at >= ${this.param(after, 'timestamptz')}`);
    if (before) parts.push(`s.created_at < ${this.param(before, 'timestamptz')}`);
    return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
  }

  private segment(value: unknown, path: string): string {
    const id = this.uuid(value, path, 'a segment id');
    if (id === undefined) return FALSE_SQL;
    if (this.stack.includes(id)) {
      const cycle = [...this.stack.slice(this.stack.indexOf(id)), id].join(' → ');
      return this.fail(path, `segment reference cycle: ${cycle}`);
    }
    if (this.stack.length >= MAX_SEGMENT_NESTING) {
      return this.fail(path, `segments nest too deeply (at most ${MAX_SEGMENT_NESTING} saved segments in a chain)`);
    }
    if (!this.segments.has(id)) return this.fail(path, `segment ${id} does not exist`);
    // Inline the referenced segment's rules (evaluated live); errors inside it are reported at this node. Depth
    // counts afresh inside each saved tree: the chain limit and the expanded-size limit bound the whole.
    const nested = new Compiler(
      this.firstParamIndex + this.params.length,
      this.segments,
      [...this.stack, id],
      this.petitionIdsBySlug,
      this.expanded,
    );
    const sql = nested.rule(this.segments.get(id), 'rules', 1);
    if (nested.errors.length) {
      for (const e of nested.errors) this.fail(path, `in segment ${id}: ${e.path}: ${e.message}`);
      return FALSE_SQL;
    }
    this.params.push(...nested.params);
    return sql;
  }
}

/**
 * Validates `rules` and compiles them to a boolean condition over `s` (subscribers). Throws
 * InvalidSegmentRulesException (400, every bad node's path in `details`) when anything is wrong.
 */
export function buildSegmentQuery(rules: unknown, ctx: SegmentQueryContext): SegmentQuery {
  if (!Number.isInteger(ctx.firstParamIndex) || ctx.firstParamIndex < 1) throw new Error('firstParamIndex must be an integer ≥ 1');
  const compiler = new Compiler(
    ctx.firstParamIndex,
    ctx.segments ?? new Map(),
    ctx.selfId ? [ctx.selfId.toLowerCase()] : [],
    ctx.petitionIdsBySlug,
    { nodes: 0 },
    ctx.references,
  );
  const sql = compiler.rule(rules, ctx.path ?? 'rules', 1);
  if (compiler.errors.length) throw new InvalidSegmentRulesException(compiler.errors);
  return { sql, params: compiler.params };
}

/** Calls `visit` on every rule object reachable through and/or/not, ignoring anything malformed (bounded). */
function walkRules(rules: unknown, visit: (node: Record<string, unknown>) => void): void {
  let budget = MAX_RULE_NODES * 4;
  const walk = (node: unknown, depth: number): void => {
    if (--budget < 0 || depth > MAX_RULE_DEPTH + 1) return;
    if (Array.isArray(node)) return node.forEach((n) => walk(n, depth + 1));
    if (!isObject(node)) return;
    visit(node);
    for (const k of ['and', 'or', 'not'] as const) if (k in node) walk(node[k], depth + 1);
  };
  walk(rules, 0);
}

/**
 * The segment ids a tree references through `{"segment": id}` (direct references only), ignoring anything malformed
 * (validation reports that). Used to load the saved segments a compile needs.
 */
export function segmentReferences(rules: unknown): string[] {
  const found = new Set<string>();
  walkRules(rules, (node) => {
    if (typeof node.segment === 'string' && isUuid(node.segment)) found.add(node.segment.toLowerCase());
  });
  return [...found];
}

/** The ids a tree's `signed` (uuid form), `received` and `topicOptedOut` rules name, lower-cased (for existence checks). */
export function referencedIds(rules: unknown): { petitions: string[]; blasts: string[]; topics: string[] } {
  const out = { petitions: new Set<string>(), blasts: new Set<string>(), topics: new Set<string>() };
  walkRules(rules, (node) => {
    const add = (set: Set<string>, v: unknown) => typeof v === 'string' && isUuid(v) && set.add(v.toLowerCase());
    add(out.petitions, node.signed);
    add(out.blasts, node.received);
    add(out.topics, node.topicOptedOut);
  });
  return { petitions: [...out.petitions], blasts: [...out.blasts], topics: [...out.topics] };
}

/** The petition slugs (not ids) a tree's `{"signed": …}` rules name, lower-cased: the service resolves them to ids. */
export function petitionSlugReferences(rules: unknown): string[] {
  const found = new Set<string>();
  walkRules(rules, (node) => {
    const v = node.signed;
    if (typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT && !isUuid(v) && !v.includes('\u0000')) found.add(v.toLowerCase());
  });
  return [...found];
}

/**
 * SEG-4: a reproducible random order for "send to N of them". Same seed (e.g. the blast id) → same people.
 * Use as `ORDER BY ${sql} LIMIT n`; md5 of the id and the seed is uniform and needs no extension.
 */
export function randomLimitOrder(seed: string, paramIndex: number): SegmentQuery {
  return { sql: `md5(s.id::text || $${paramIndex}::text), s.id`, params: [seed] };
}

/**
 * The count behind SEG-3 previews: subscribed people matching a compiled condition. The partial indexes on
 * status = 'subscribed' (tags GIN, state, created_at, zip, custom_fields GIN) serve the leaves.
 */
export function countMembersSql(filter: SegmentQuery): string {
  return `SELECT count(*)::int AS count FROM subscribers s WHERE s.status = 'subscribed' AND (${filter.sql})`;
}
