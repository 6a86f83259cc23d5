import { createHmac } from 'node:crypto';
import { normalizeEmail } from '../../src/core/mail/email-address';

/**
 * REL-2: a seeded generator of malformed and hostile requests over every public endpoint, and the bookkeeping that
 * decides the verdict (no 5xx, no row written by a rejected request). Shared by the small fuzz in the test suite
 * (test/fuzz.e2e-spec.ts) and the 10,000-request run (bench/fuzz/fuzz.ts). Plain HTTP; the one app import is the
 * address normalization, to compare accepted addresses in their stored form.
 */

/** What the fuzzer needs to know about the target app (fixtures made before the run). */
export interface FuzzContext {
  /** An open petition (targets a leadership role and the signer's own senators). */
  slug: string;
  /** A closed petition. */
  closedSlug: string;
  /** Genuine link tokens of one subscribed fixture subscriber. */
  unsubscribeToken: string;
  preferencesToken: string;
  /** Genuine opt-in confirmation token of an unconfirmed fixture subscriber. */
  confirmToken: string;
  /** A topic id shown on the preference page. */
  topicId: string;
  /** BOUNCE_WEBHOOK_SECRET of the app (some hostile webhook bodies are signed, to get past the signature check). */
  webhookSecret: string;
}

export interface FuzzRequest {
  /** Which endpoint, for grouping findings. */
  endpoint: string;
  /** Which mutation produced it. */
  mutation: string;
  method: 'GET' | 'HEAD' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The address in a sign request's body: a signature or subscriber with it is explained only by a 2xx answer. */
  signEmail?: string;
  /** Events in a signed webhook body (bounce_events rows an accepted call may write). */
  webhookEvents?: number;
}

export interface FuzzResult {
  request: FuzzRequest;
  status: number;
  /** Transport failure (connection reset, timeout) instead of an answer. */
  error?: string;
  /** An injected HTML marker came back unescaped in an HTML page. */
  reflected?: boolean;
}

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Markers whose unescaped return in an HTML page would be an XSS. */
export const HTML_MARKERS = ['<script>fz1</script>', '"><img src=x onerror=fz2>', "'><svg onload=fz3>"];

const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  "' OR 1=1 --",
  "'; DROP TABLE subscribers; --",
  '" OR ""="',
  "1); DELETE FROM petition_signatures; --",
  '$1',
  '\\',
  '%',
  '_',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m',
  '\ud800',
  '\udfff\ud800',
  '\u202egnp.exe',
  '\uFEFF',
  'Zoë Ñandú 李小龍 🗳️',
  '${jndi:ldap://127.0.0.1/a}',
  '{{constructor.constructor("return 1")()}}',
  '{{#each this}}{{/each}}',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  'line\r\nX-Injected: 1',
  '__proto__',
  'NaN',
  'null',
  'undefined',
  'true',
  '-1',
  '1e309',
  '0x1f',
  ...HTML_MARKERS,
];

const HOSTILE_EMAILS: string[] = [
  'plainaddress',
  '@example.org',
  'a@',
  'a@b',
  'a@@example.org',
  'a@example..org',
  '.a@example.org',
  'a b@example.org',
  '"quoted"@example.org',
  'a@[127.0.0.1]',
  `${'a'.repeat(250)}@example.org`,
  `a@${'b'.repeat(260)}.org`,
  "x'or'1'='1@example.org",
  'x@example.org\r\nBcc: victim@example.org',
  'x@example.org,y@example.org',
  '<script>@example.org',
  'ünïcödé@exämple.org',
  'x\u0000@example.org',
];

/** Keys that reach an object's prototype when a parser or a copy treats them as paths (REL-2: prototype keys). */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', '__proto__[error]', 'constructor[prototype][error]', 'a[__proto__][error]', '__proto__.error'];

/** A query string of prototype keys, in the bracket and dot notations query parsers expand. */
function prototypeQuery(rand: () => number): string {
  return `${pct(pick(rand, PROTOTYPE_KEYS))}=fz&${pct(pick(rand, PROTOTYPE_KEYS))}[x]=1`;
}

const HOSTILE_VALUES: (() => unknown)[] = [
  () => null,
  () => true,
  () => false,
  () => 0,
  () => -1,
  () => 1.5,
  () => Number.MAX_SAFE_INTEGER * 10,
  () => [],
  () => ['a', 'b'],
  () => [[[]]],
  () => ({}),
  () => ({ $gt: '' }),
  () => ({ toString: 'x' }),
  () => ({ __proto__: { admin: true } }),
];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function hugeString(rand: () => number): string {
  const n = pick(rand, [256, 1_001, 10_000, 70_000, 300_000]);
  return pick(rand, ['a', 'é', '😀', '<', "'"]).repeat(n);
}

/** A hostile value of any kind: a wrong type, an injection string, a huge string. */
function hostileValue(rand: () => number): unknown {
  const r = rand();
  if (r < 0.35) return pick(rand, HOSTILE_VALUES)();
  if (r < 0.85) return pick(rand, HOSTILE_STRINGS);
  if (r < 0.95) return hugeString(rand);
  return pick(rand, HOSTILE_EMAILS);
}

const ZIPS = ['80202', '57104', '10001', '20001', '00100', '80202-1234', '802021234'];

let uniq = 0;
export function fuzzEmail(seed: number): string {
  return `fuzz.${seed.toString(36)}.${(++uniq).toString(36)}@example.org`;
}

/** A well-formed signature; the fuzzer then breaks it (or keeps it valid with hostile but legal text). */
function validSignature(rand: () => number, email: string): Record<string, unknown> {
  const s: Record<string, unknown> = { email, zip: pick(rand, ZIPS.slice(0, 3)), firstName: 'Ada', lastName: 'Lovelace' };
  if (rand() < 0.5) s.optIn = rand() < 0.5 ? true : 'on';
  if (rand() < 0.3) s.comment = 'Schedule the vote.';
  if (rand() < 0.2) s.referralCode = 'friend-42';
  return s;
}

const SIGN_FIELDS = ['email', 'firstName', 'lastName', 'zip', 'state', 'comment', 'optIn', 'referralCode', 'blast'];

/**
 * Break a valid object: wrong types, missing required fields, unknown fields, huge strings, prototype keys.
 * Some results stay valid (legal but hostile text in free-text fields).
 */
function mutateObject(rand: () => number, base: Record<string, unknown>, fields: string[]): { value: unknown; mutation: string } {
  const o: Record<string, unknown> = { ...base };
  const r = rand();
  if (r < 0.12) {
    delete o[pick(rand, ['email', 'zip'])];
    return { value: o, mutation: 'missing-required' };
  }
  if (r < 0.22) {
    o[pick(rand, ['admin', 'status', 'id', 'subscriberId', 'createdAt', 'petitionId', '$where', 'constructor'])] = hostileValue(rand);
    return { value: o, mutation: 'extra-field' };
  }
  if (r < 0.36) {
    // An own property named like a prototype key (what JSON.parse or a form parser yields), sent in whatever body
    // format the caller encodes: JSON keeps nesting, a form flattens to `__proto__[error]=…`.
    const key = pick(rand, PROTOTYPE_KEYS);
    const inner = rand() < 0.5 ? { error: 'fz', isAdmin: true } : 'fz';
    Object.defineProperty(o, key, { value: rand() < 0.3 ? { nested: { [pick(rand, ['__proto__', 'constructor'])]: inner } } : inner, enumerable: true, writable: true, configurable: true });
    return { value: o, mutation: `proto-key ${key}` };
  }
  if (r < 0.64) {
    const field = pick(rand, fields);
    o[field] = hostileValue(rand);
    return { value: o, mutation: `bad-${field}` };
  }
  if (r < 0.72) {
    o.email = pick(rand, HOSTILE_EMAILS);
    return { value: o, mutation: 'bad-email' };
  }
  if (r < 0.80) {
    // Legal but hostile text in the free-text fields: accepted, stored, and must come back escaped.
    o.firstName = pick(rand, HTML_MARKERS).slice(0, 100);
    o.lastName = pick(rand, ["O'Brien; DROP TABLE x", 'Zoë 李', '{{firstName}}']);
    // eslint-disable-next-line no-control-regex -- the point is to keep control characters out of legal text
    o.comment = `${pick(rand, HTML_MARKERS)} ${pick(rand, HOSTILE_STRINGS.filter((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s)))}`;
    return { value: o, mutation: 'hostile-but-legal-text' };
  }
  if (r < 0.86) return { value: pick(rand, [[o], 'string', 42, null, true]), mutation: 'not-an-object' };
  if (r < 0.92) {
    for (const f of fields) if (rand() < 0.5) o[f] = hostileValue(rand);
    return { value: o, mutation: 'many-bad-fields' };
  }
  return { value: o, mutation: 'valid' };
}

/** Percent-encoding that survives lone surrogates (sent as U+FFFD, as a browser would). */
function pct(s: string): string {
  return encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** The address a sign body carries, whatever else is wrong with it: a 2xx answer may record it, nothing else may. */
function emailOf(value: unknown): string | undefined {
  const e = value && typeof value === 'object' ? (value as { email?: unknown }).email : undefined;
  return typeof e === 'string' ? e : undefined;
}

/** urlencoded body; arrays become repeated keys, objects their JSON (what a hostile client can send). */
function formEncode(value: unknown): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return `data=${pct(String(value))}`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const vs = Array.isArray(v) ? v : [v];
    for (const one of vs) parts.push(`${pct(k)}=${pct(typeof one === 'object' && one !== null ? JSON.stringify(one) : String(one))}`);
  }
  return parts.join('&');
}

/** Byte-level corruption: invalid UTF-8 sequences spliced into an otherwise plausible body. */
const BAD_UTF8 = [Buffer.from([0xff, 0xfe]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0x80])];

function spliceBytes(rand: () => number, text: string): Buffer {
  const at = Math.floor(rand() * (text.length + 1));
  return Buffer.concat([Buffer.from(text.slice(0, at)), pick(rand, BAD_UTF8), Buffer.from(text.slice(at))]);
}

/** Malformed percent-encoding and hostile path segments. */
const HOSTILE_SEGMENTS = [
  '%', '%ZZ', '%C3%28', '%ED%A0%80', '%FF%FE', '%00', 'a%00b', '..', '%2e%2e%2f%2e%2e', '%252e', 'x'.repeat(5000), '%F0%9F%97%B3',
  "'%20OR%201=1--", '%3Cscript%3Efz1%3C%2Fscript%3E', 'null', 'undefined', '__proto__', 'constructor', '-', '_', 'UPPER-Case',
];

function tamperToken(rand: () => number, token: string): string {
  const r = rand();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (r < 0.3) {
    const i = Math.floor(rand() * token.length);
    let c = pick(rand, alphabet.split(''));
    if (c === token[i]) c = c === 'A' ? 'B' : 'A';
    return token.slice(0, i) + c + token.slice(i + 1);
  }
  if (r < 0.4) return token.slice(0, Math.max(1, Math.floor(rand() * token.length)));
  if (r < 0.5) return token + pick(rand, ['A', 'AA', '=', '%3D', '.', '..']);
  if (r < 0.6) return Buffer.from(token, 'base64url').toString('base64'); // standard alphabet, padding
  if (r < 0.7) return Array.from({ length: token.length }, () => pick(rand, alphabet.split(''))).join('');
  if (r < 0.8) return pick(rand, HOSTILE_SEGMENTS);
  if (r < 0.9) return token.toUpperCase();
  return pct(pick(rand, HOSTILE_STRINGS) || 'x');
}

const CONTENT_TYPES_WRONG = [
  'text/plain',
  'application/xml',
  'text/csv',
  'application/octet-stream',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=x-unknown',
  'application/x-www-form-urlencoded; charset=latin1',
  'message/rfc822',
  'multipart/report',
  'image/png',
  ';;;',
  'application/json, text/html',
];

function sign(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? 'null');
}

/** A random spoofed or garbage client address (the app trusts X-Forwarded-For in the fuzz runs: spreads rate limits). */
function forwardedFor(rand: () => number): string {
  const r = rand();
  if (r < 0.9) return `10.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
  return pick(rand, ['', 'garbage', '::1, 999.1.1.1', `${'1.'.repeat(500)}1`, '127.0.0.1\t', '<script>', "' OR 1=1"]);
}

type Maker = (rand: () => number, ctx: FuzzContext, i: number) => FuzzRequest;

const signPath = (slug: string) => `/api/v1/public/petitions/${slug}/signatures`;

function anySlug(rand: () => number, ctx: FuzzContext): { slug: string; open: boolean } {
  const r = rand();
  if (r < 0.8) return { slug: ctx.slug, open: true };
  if (r < 0.9) return { slug: ctx.closedSlug, open: false };
  return { slug: pick(rand, HOSTILE_SEGMENTS), open: false };
}

/**
 * A form POST as a hostile client sends it: usually the urlencoded form, sometimes bad UTF-8 (10 %), the same fields
 * as JSON (10 %), or a wrong content type (up to `wrongTypeBelow`).
 */
function formVariant(rand: () => number, m: { value: unknown; mutation: string }, wrongTypeBelow: number) {
  let ct = 'application/x-www-form-urlencoded';
  let body: Buffer = Buffer.from(formEncode(m.value));
  let mutation = m.mutation;
  const r = rand();
  if (r < 0.1) {
    body = spliceBytes(rand, body.toString());
    mutation = 'bad-utf8';
  } else if (r < 0.2) {
    ct = 'application/json';
    body = jsonBody(m.value);
    mutation = `json:${m.mutation}`;
  } else if (r < wrongTypeBelow) {
    ct = pick(rand, CONTENT_TYPES_WRONG);
    mutation = `content-type:${ct}`;
  }
  return { ct, body, mutation };
}

const makers: { weight: number; make: Maker }[] = [
  {
    weight: 18,
    make: (rand, ctx, i) => {
      const email = fuzzEmail(i);
      const m = mutateObject(rand, validSignature(rand, email), SIGN_FIELDS);
      const target = anySlug(rand, ctx);
      const r = rand();
      let body: Buffer = jsonBody(m.value);
      let mutation = m.mutation;
      if (r < 0.08) {
        body = spliceBytes(rand, body.toString());
        mutation = 'bad-utf8';
      } else if (r < 0.14) {
        body = Buffer.from(pick(rand, ['{', '{"email":', '{"email":"a@b.org",}', "{'email':'x'}", '[1,2', 'nul', '"', '{"a":1}{"b":2}', '\u0000']));
        mutation = 'invalid-json';
      } else if (r < 0.17) {
        body = Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
        mutation = 'deep-json';
      } else if (r < 0.19) {
        body = Buffer.from(`{"email":"${'a'.repeat(1_100_000)}@example.org","zip":"80202"}`);
        mutation = 'oversized-body';
      }
      return {
        endpoint: 'POST sign (json)',
        mutation,
        method: 'POST',
        path: signPath(target.slug) + (rand() < 0.1 ? `?blast=${pick(rand, HOSTILE_SEGMENTS)}&ref=${pick(rand, HOSTILE_SEGMENTS)}` : rand() < 0.05 ? `?${prototypeQuery(rand)}` : ''),
        headers: { 'content-type': 'application/json' },
        body,
        signEmail: emailOf(m.value),
      };
    },
  },
  {
    weight: 10,
    make: (rand, ctx, i) => {
      const email = fuzzEmail(i);
      const m = mutateObject(rand, validSignature(rand, email), SIGN_FIELDS);
      const target = anySlug(rand, ctx);
      let raw = formEncode(m.value);
      let mutation = m.mutation;
      let body: Buffer = Buffer.from(raw);
      const r = rand();
      if (r < 0.1) {
        body = spliceBytes(rand, raw);
        mutation = 'bad-utf8';
      } else if (r < 0.2) {
        raw = `${raw}&${pick(rand, ['%', '%ZZ', 'email=%C3%28', 'email', '=x', '&&&', 'a[b]=1', 'a[]=1&a[]=2', '__proto__[x]=1', 'constructor[prototype][error]=1', '__proto__=1', 'email=x&email=y'])}`;
        body = Buffer.from(raw);
        mutation = 'bad-form-encoding';
      }
      return {
        endpoint: 'POST sign (form)',
        mutation,
        method: 'POST',
        path: signPath(target.slug),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signEmail: emailOf(m.value),
      };
    },
  },
  {
    weight: 6,
    make: (rand, ctx, i) => {
      const ct = pick(rand, CONTENT_TYPES_WRONG);
      const value = validSignature(rand, fuzzEmail(i));
      const body = pick(rand, [jsonBody(value), Buffer.from(formEncode(value)), Buffer.from('--xyz\r\nContent-Disposition: form-data; name="email"\r\n\r\nx@y.org\r\n--xyz--'), Buffer.alloc(0), Buffer.from('<a>1</a>')]);
      return { endpoint: 'POST sign (wrong content type)', mutation: ct, method: 'POST', path: signPath(ctx.slug), headers: { 'content-type': ct }, body, signEmail: emailOf(value) };
    },
  },
  {
    weight: 6,
    make: (rand, ctx) => {
      const slug = rand() < 0.2 ? ctx.slug : pick(rand, HOSTILE_SEGMENTS);
      const q = rand() < 0.15 ? `?${prototypeQuery(rand)}` : '';
      return { endpoint: 'GET petition json', mutation: q ? 'prototype-query' : 'slug', method: rand() < 0.2 ? 'HEAD' : 'GET', path: `/api/v1/public/petitions/${slug}${q}`, headers: {} };
    },
  },
  {
    weight: 6,
    make: (rand, ctx) => {
      const slug = rand() < 0.5 ? ctx.slug : pick(rand, HOSTILE_SEGMENTS);
      const r = rand();
      const q = r < 0.5 ? `?blast=${pick(rand, HOSTILE_SEGMENTS)}&ref=${pick(rand, HOSTILE_SEGMENTS)}&ref=2&x[y]=1` : r < 0.65 ? `?${prototypeQuery(rand)}` : '';
      return { endpoint: 'GET petition page', mutation: q ? 'hostile-query' : 'slug', method: rand() < 0.2 ? 'HEAD' : 'GET', path: `/p/${slug}${q}`, headers: {} };
    },
  },
  {
    weight: 3,
    make: (rand, ctx) => {
      // Issue 20's pages: the framable embed (with link parameters) and a signer's personal page (its token).
      const slug = rand() < 0.5 ? ctx.slug : pick(rand, HOSTILE_SEGMENTS);
      const embed = rand() < 0.5;
      const path = embed ? `/p/${slug}/embed?ref=${pick(rand, HOSTILE_SEGMENTS)}&blast=${pick(rand, HOSTILE_SEGMENTS)}` : `/p/${slug}/thanks/${pick(rand, HOSTILE_SEGMENTS)}`;
      return { endpoint: embed ? 'GET petition embed' : 'GET petition personal page', mutation: 'segment', method: rand() < 0.2 ? 'HEAD' : 'GET', path, headers: {} };
    },
  },
  {
    weight: 8,
    make: (rand, ctx, i) => {
      const email = fuzzEmail(i);
      const m = mutateObject(rand, validSignature(rand, email), SIGN_FIELDS);
      const target = anySlug(rand, ctx);
      const { ct, body, mutation } = formVariant(rand, m, 0.25);
      const embed = rand() < 0.25 ? `?embed=${pick(rand, ['1', '0', '%00', '1&embed=1'])}` : '';
      return { endpoint: 'POST petition page form', mutation, method: 'POST', path: `/p/${target.slug}${embed}`, headers: { 'content-type': ct }, body, signEmail: emailOf(m.value) };
    },
  },
  {
    weight: 8,
    make: (rand, ctx) => {
      const token = rand() < 0.15 ? ctx.preferencesToken : tamperToken(rand, rand() < 0.5 ? ctx.preferencesToken : ctx.unsubscribeToken);
      const q = rand() < 0.1 ? `?${prototypeQuery(rand)}` : '';
      return { endpoint: 'GET preferences', mutation: q ? 'prototype-query' : 'token', method: rand() < 0.3 ? 'HEAD' : 'GET', path: `/preferences/${token}${q}`, headers: {} };
    },
  },
  {
    weight: 10,
    make: (rand, ctx) => {
      const genuine = rand() < 0.4;
      const token = genuine ? ctx.preferencesToken : tamperToken(rand, ctx.preferencesToken);
      const base: Record<string, unknown> = { action: 'save', frequency: 'weekly', topics: [ctx.topicId], shownTopics: [ctx.topicId] };
      const m = mutateObject(rand, base, ['action', 'frequency', 'topics', 'shownTopics']);
      const { ct, body, mutation } = formVariant(rand, m, 0.27);
      return { endpoint: 'POST preferences', mutation: genuine ? mutation : `tampered-token ${mutation}`, method: 'POST', path: `/preferences/${token}`, headers: { 'content-type': ct }, body };
    },
  },
  {
    weight: 10,
    make: (rand, ctx): FuzzRequest => {
      const genuine = rand() < 0.3;
      const token = genuine ? ctx.unsubscribeToken : tamperToken(rand, rand() < 0.7 ? ctx.unsubscribeToken : ctx.preferencesToken);
      const r = rand();
      if (r < 0.35) return { endpoint: 'GET/HEAD unsubscribe', mutation: 'token', method: rand() < 0.4 ? 'HEAD' : 'GET', path: `/unsubscribe/${token}`, headers: {} as Record<string, string> };
      const bodies: [string, Buffer][] = [
        ['application/x-www-form-urlencoded', Buffer.from('List-Unsubscribe=One-Click')],
        ['application/x-www-form-urlencoded', Buffer.from('from=page')],
        ['application/x-www-form-urlencoded', spliceBytes(rand, 'List-Unsubscribe=One-Click')],
        ['multipart/form-data; boundary=zz', Buffer.from('--zz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--zz--\r\n')],
        ['multipart/form-data; boundary=zz', Buffer.from('--zz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Cl')],
        ['multipart/form-data; boundary=zz', Buffer.from(`--zz\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n${'x'.repeat(40_000)}\r\n--zz--\r\n`)],
        ['multipart/form-data', Buffer.from('garbage')],
        ['multipart/form-data; boundary=zz', Buffer.from(`--zz\r\nContent-Disposition: form-data; name="${pick(rand, PROTOTYPE_KEYS)}"\r\n\r\nfz\r\n--zz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--zz--\r\n`)],
        ['application/json', Buffer.from('{"List-Unsubscribe":"One-Click"')],
        ['application/json', jsonBody(hostileValue(rand))],
        [pick(rand, CONTENT_TYPES_WRONG), Buffer.from(String(pick(rand, HOSTILE_STRINGS)))],
      ];
      const [ct, body] = pick(rand, bodies);
      return { endpoint: 'POST unsubscribe', mutation: `${genuine ? '' : 'tampered-token '}${ct}`, method: 'POST', path: `/unsubscribe/${token}`, headers: { 'content-type': ct }, body };
    },
  },
  {
    weight: 6,
    make: (rand, ctx) => {
      const genuine = rand() < 0.2;
      const token = genuine ? ctx.confirmToken : tamperToken(rand, rand() < 0.7 ? ctx.confirmToken : ctx.unsubscribeToken);
      const method = pick(rand, ['GET', 'HEAD', 'POST'] as const);
      const headers: Record<string, string> = method === 'POST' ? { 'content-type': pick(rand, ['application/x-www-form-urlencoded', 'application/json', 'text/plain']) } : {};
      const req: FuzzRequest = {
        endpoint: `${method} confirm`,
        mutation: genuine ? 'genuine' : 'tampered-token',
        method,
        path: `/confirm/${token}`,
        headers,
        body: method === 'POST' ? Buffer.from(pick(rand, ['', 'a=1', '{"x":', String(pick(rand, HOSTILE_STRINGS))])) : undefined,
      };
      return req;
    },
  },
  {
    weight: 8,
    make: (rand, ctx) => {
      const event = (): Record<string, unknown> => {
        const e: Record<string, unknown> = { type: pick(rand, ['hard', 'soft', 'complaint']), email: `nobody.${Math.floor(rand() * 1e6)}@example.org` };
        if (rand() < 0.5) e[pick(rand, ['type', 'email', 'messageId', 'code', 'detail', 'occurredAt', 'provider', 'id', 'extra'])] = hostileValue(rand);
        return e;
      };
      const r = rand();
      let value: unknown = { events: Array.from({ length: 1 + Math.floor(rand() * 3) }, event) };
      let mutation = 'events';
      if (r < 0.15) {
        value = pick(rand, [{}, { events: [] }, { events: 'x' }, { events: [null] }, { events: [[]] }, { events: Array.from({ length: 501 }, event) }, [1], 'x', null]);
        mutation = 'shape';
      } else if (r < 0.25) {
        value = { events: [event()], extra: hostileValue(rand) };
        mutation = 'extra-field';
      }
      let body: Buffer = jsonBody(value);
      if (rand() < 0.07) {
        body = spliceBytes(rand, body.toString());
        mutation = 'bad-utf8';
      }
      const sig = rand();
      const headers: Record<string, string> = { 'content-type': rand() < 0.9 ? 'application/json' : pick(rand, CONTENT_TYPES_WRONG) };
      let signed = false;
      if (sig < 0.6) {
        headers['x-cloture-signature'] = sign(ctx.webhookSecret, body);
        signed = true;
      } else if (sig < 0.8) headers['x-cloture-signature'] = pick(rand, ['sha256=', 'sha256=zz', `sha256=${'0'.repeat(64)}`, sign('wrong-secret-0123456789', body), 'md5=abc', String(pick(rand, HOSTILE_STRINGS)).replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 4000)]);
      const events = signed && value && typeof value === 'object' && Array.isArray((value as { events?: unknown }).events) ? (value as { events: unknown[] }).events.length : 0;
      return { endpoint: 'POST webhooks/bounces', mutation: `${signed ? 'signed' : 'unsigned'} ${mutation}`, method: 'POST', path: '/webhooks/bounces', headers, body, webhookEvents: events };
    },
  },
  {
    weight: 4,
    make: (rand, ctx) => {
      const reports = [
        'From: MAILER-DAEMON@x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n',
        'Content-Type: multipart/report; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 9.9.9\r\nFinal-Recipient: ' + 'x'.repeat(5000) + '\r\n--b',
        'Content-Type: multipart/report; report-type=feedback-report; boundary=c\r\n\r\n--c\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n\r\n--c\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <' + "'; DROP TABLE x; --" + '>\r\n\r\n--c--',
        'garbage',
        '',
        'Subject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nAway.',
        'Content-Type: multipart/report; boundary=' + 'b'.repeat(2000) + '\r\n\r\n',
      ];
      let body: Buffer = Buffer.from(pick(rand, reports));
      if (rand() < 0.2) body = spliceBytes(rand, body.toString());
      const headers: Record<string, string> = { 'content-type': pick(rand, ['message/rfc822', 'multipart/report', 'text/plain', 'application/json']) };
      const signed = rand() < 0.6;
      if (signed) headers['x-cloture-signature'] = sign(ctx.webhookSecret, body);
      return { endpoint: 'POST webhooks/dsn', mutation: signed ? 'signed' : 'unsigned', method: 'POST', path: '/webhooks/dsn', headers, body };
    },
  },
  {
    weight: 4,
    make: (rand) => {
      const value = pick(rand, [
        { Type: 'Notification', Message: '{"notificationType":"Bounce"}', Signature: 'x', SigningCertURL: 'https://127.0.0.1/cert.pem', SignatureVersion: '1' },
        { Type: 'SubscriptionConfirmation', SubscribeURL: 'http://127.0.0.1:1/', TopicArn: 'arn:x', Signature: 'AAAA', SigningCertURL: 'https://sns.us-east-1.amazonaws.com/x.pem', SignatureVersion: '2' },
        { Type: hostileValue(rand), Message: hostileValue(rand) },
        {},
        [],
      ]);
      return {
        endpoint: 'POST webhooks/bounces/ses',
        mutation: 'forged-sns',
        method: 'POST',
        path: '/webhooks/bounces/ses',
        headers: { 'content-type': pick(rand, ['text/plain; charset=UTF-8', 'application/json', 'application/xml']), 'x-amz-sns-message-type': 'Notification' },
        body: rand() < 0.1 ? spliceBytes(rand, JSON.stringify(value)) : jsonBody(value),
      };
    },
  },
];

const TOTAL_WEIGHT = makers.reduce((n, m) => n + m.weight, 0);

/**
 * Every prototype key through every parser of every public endpoint, deterministically (REL-2): JSON bodies, urlencoded
 * forms (bracket and dot notation as written), multipart field names, and query strings. A random sample reaches a
 * given endpoint × key × format only now and then; this sweep reaches each once, before the random requests.
 */
export function* prototypeSweep(ctx: FuzzContext): Generator<FuzzRequest> {
  const forms = { 'content-type': 'application/x-www-form-urlencoded' };
  const json = { 'content-type': 'application/json' };
  for (const [i, key] of PROTOTYPE_KEYS.entries()) {
    const email = fuzzEmail(900_000 + i);
    const sign = { email, firstName: 'Ada', lastName: 'Lovelace', zip: '80202' };
    const form = `${pct(key)}=fz&${new URLSearchParams(sign).toString()}`;
    const withKey = (base: Record<string, unknown>) => JSON.stringify(base).replace(/^\{/, `{${JSON.stringify(key)}:{"error":"fz"},`);
    const multipart = Buffer.from(
      `--zz\r\nContent-Disposition: form-data; name="${key}"\r\n\r\nfz\r\n--zz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--zz--\r\n`,
    );
    const mutation = `prototype-sweep ${key}`;
    const bodies: [string, string, Record<string, string>, Buffer, string?][] = [
      ['POST sign (json)', signPath(ctx.slug), json, Buffer.from(withKey(sign)), email],
      ['POST sign (form)', signPath(ctx.slug), forms, Buffer.from(form), email],
      ['POST petition page form', `/p/${ctx.slug}`, forms, Buffer.from(form), email],
      ['POST petition page form', `/p/${ctx.slug}`, json, Buffer.from(withKey(sign)), email],
      ['POST preferences', `/preferences/${ctx.preferencesToken}`, forms, Buffer.from(`${pct(key)}=fz&action=save&frequency=weekly`)],
      ['POST unsubscribe', `/unsubscribe/${ctx.unsubscribeToken}`, forms, Buffer.from(`${pct(key)}=fz&List-Unsubscribe=One-Click`)],
      ['POST unsubscribe', `/unsubscribe/${ctx.unsubscribeToken}`, { 'content-type': 'multipart/form-data; boundary=zz' }, multipart],
      ['POST confirm', `/confirm/${ctx.confirmToken}`, forms, Buffer.from(`${pct(key)}=fz`)],
      ['POST webhooks/bounces', '/webhooks/bounces', json, Buffer.from(withKey({ events: [{ type: 'hard', email: 'nobody@example.org' }] }))],
    ];
    for (const [endpoint, path, headers, body, signEmail] of bodies) yield { endpoint, mutation, method: 'POST', path, headers: { ...headers }, body, signEmail };
    const query = `${pct(key)}=fz&${pct(key)}[x]=1`;
    for (const [endpoint, path] of [
      ['GET petition page', `/p/${ctx.slug}`],
      ['GET petition json', `/api/v1/public/petitions/${ctx.slug}`],
      ['GET preferences', `/preferences/${ctx.preferencesToken}`],
      ['GET/HEAD unsubscribe', `/unsubscribe/${ctx.unsubscribeToken}`],
      ['GET confirm', `/confirm/${ctx.confirmToken}`],
    ]) {
      yield { endpoint, mutation: `prototype-sweep query ${key}`, method: 'GET', path: `${path}?${query}`, headers: {} };
    }
  }
}

/** `count` requests, deterministic for a seed. */
export function* fuzzRequests(ctx: FuzzContext, count: number, seed: number): Generator<FuzzRequest> {
  const rand = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    let r = rand() * TOTAL_WEIGHT;
    let maker = makers[0];
    for (const m of makers) if ((r -= m.weight) < 0) { maker = m; break; }
    const req = maker.make(rand, ctx, seed * 1_000_003 + i);
    req.headers['x-forwarded-for'] = forwardedFor(rand);
    if (rand() < 0.03) req.headers['user-agent'] = pick(rand, ['a', '<', "'", '\u00e9']).repeat(1 + Math.floor(rand() * 8000));
    yield req;
  }
}

/** Sends one request over real HTTP; never throws (transport failures are results too). */
export async function sendFuzz(baseUrl: string, req: FuzzRequest, timeoutMs = 30_000): Promise<FuzzResult> {
  try {
    const res = await fetch(baseUrl + req.path, {
      method: req.method,
      headers: req.headers,
      body: req.body && req.method === 'POST' ? new Uint8Array(req.body) : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = req.method === 'HEAD' ? '' : await res.text();
    const html = (res.headers.get('content-type') ?? '').includes('html');
    return { request: req, status: res.status, reflected: html && HTML_MARKERS.some((m) => text.includes(m)) };
  } catch (e) {
    return { request: req, status: 0, error: (e as Error).cause ? String((e as Error & { cause: unknown }).cause) : String(e) };
  }
}

/** Runs requests with a fixed number in flight. */
export async function runFuzz(baseUrl: string, requests: Iterable<FuzzRequest>, concurrency: number, onResult?: (r: FuzzResult) => void): Promise<FuzzResult[]> {
  const it = requests[Symbol.iterator]();
  const results: FuzzResult[] = [];
  const lane = async () => {
    for (let n = it.next(); !n.done; n = it.next()) {
      const r = await sendFuzz(baseUrl, n.value);
      results.push(r);
      onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

export type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** Row count of every table in the public schema (migrations table excluded). */
export async function tableCounts(query: Query): Promise<Record<string, number>> {
  const tables = await query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('migrations', 'typeorm_metadata') ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables) out[name as string] = Number((await query(`SELECT count(*)::bigint AS n FROM "${name as string}"`))[0].n);
  return out;
}

export interface FuzzVerdict {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: FuzzResult[];
  transportErrors: FuzzResult[];
  /** Oversized bodies whose connection the server closed while the client was still sending (a 413 answered early). */
  closedEarly: number;
  reflected: FuzzResult[];
  acceptedSignatures: number;
  rowDeltas: Record<string, number>;
  /** Rows no accepted request explains, by table (must be empty). */
  strayRows: Record<string, number>;
}

/**
 * The verdict: every answer < 500, and every row added since `before` explained by an accepted request — new
 * signatures and subscribers carry an address that an accepted sign request used, and the other tables grew only
 * as far as accepted token posts and signed webhooks allow.
 */
export async function fuzzVerdict(query: Query, startedAt: Date, before: Record<string, number>, results: FuzzResult[]): Promise<FuzzVerdict> {
  const after = await tableCounts(query);
  const ok = (r: FuzzResult) => r.status >= 200 && r.status < 300;
  // Compared in their stored form (NFKC, ASCII domain): an accepted `ünïcödé@exämple.org` is stored as punycode.
  const acceptedEmails = new Set(results.filter((r) => ok(r) && r.request.signEmail).map((r) => normalizeEmail(r.request.signEmail!).toLowerCase()));
  const tokenPosts = results.filter((r) => ok(r) && r.request.method === 'POST' && /^\/(unsubscribe|preferences|confirm)\//.test(r.request.path)).length;
  const webhookEvents = results.filter(ok).reduce((n, r) => n + (r.request.webhookEvents ?? 0), 0);
  const dsnReports = results.filter((r) => ok(r) && r.request.path === '/webhooks/dsn').length;

  const rowDeltas: Record<string, number> = {};
  for (const t of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (t.startsWith('__')) continue;
    const d = (after[t] ?? 0) - (before[t] ?? 0);
    if (d !== 0) rowDeltas[t] = d;
  }
  const stray: Record<string, number> = {};
  const newSignatureEmails = (await query(`SELECT lower(email) AS e FROM petition_signatures WHERE created_at >= $1`, [startedAt])).map((r) => r.e as string);
  const straySignatures = newSignatureEmails.filter((e) => !acceptedEmails.has(e)).length;
  if (straySignatures) stray.petition_signatures = straySignatures;
  const newSubscriberEmails = (await query(`SELECT lower(email) AS e FROM subscribers WHERE created_at >= $1`, [startedAt])).map((r) => r.e as string);
  const straySubscribers = newSubscriberEmails.filter((e) => !acceptedEmails.has(e)).length;
  if (straySubscribers) stray.subscribers = straySubscribers;
  const [{ n: oldTargets }] = await query(
    `SELECT count(*)::int AS n FROM petition_signature_targets t JOIN petition_signatures s ON s.id = t.signature_id WHERE s.created_at < $1`,
    [startedAt],
  );
  const allowance: Record<string, number> = {
    petition_signatures: acceptedEmails.size,
    subscribers: acceptedEmails.size,
    petition_signature_targets: Number.POSITIVE_INFINITY, // checked through their signatures below
    petition_signature_counts: acceptedEmails.size, // counter shards; their sums are checked below
    unsubscribe_events: tokenPosts,
    subscriber_topic_opt_outs: tokenPosts,
    bounce_events: webhookEvents + dsnReports,
    suppressions: webhookEvents + dsnReports,
  };
  for (const [t, d] of Object.entries(rowDeltas)) {
    if (d > 0 && d > (allowance[t] ?? 0) && !stray[t]) stray[t] = d - (allowance[t] ?? 0);
  }
  // Targets of signatures that existed before the run must not change: new ones belong to new (accepted) signatures.
  if (Number(oldTargets) !== before.__old_targets) stray.petition_signature_targets = Number(oldTargets) - before.__old_targets;

  if ('petition_signature_counts' in after) {
    const [{ n: off }] = await query(
      `SELECT count(*)::int AS n FROM petitions p
        WHERE (SELECT coalesce(sum(count), 0) FROM petition_signature_counts c WHERE c.petition_id = p.id)
           <> (SELECT count(*) FROM petition_signatures s WHERE s.petition_id = p.id)`,
    );
    if (Number(off)) stray.petition_signature_counts_mismatch = Number(off);
  }

  const byStatus: Record<string, number> = {};
  for (const r of results) byStatus[r.status || 'transport error'] = (byStatus[r.status || 'transport error'] ?? 0) + 1;
  return {
    requests: results.length,
    byStatus,
    serverErrors: results.filter((r) => r.status >= 500),
    // An oversized body may be refused (413) before it is fully sent: the client then sees EPIPE/ECONNRESET. Expected.
    transportErrors: results.filter((r) => r.status === 0 && !closedEarlyOnOversizedBody(r)),
    closedEarly: results.filter(closedEarlyOnOversizedBody).length,
    reflected: results.filter((r) => r.reflected),
    acceptedSignatures: acceptedEmails.size,
    rowDeltas,
    strayRows: stray,
  };
}

/** Above the app's default BODY_LIMIT_BYTES (1 MiB). */
const OVERSIZED = 1024 * 1024;

function closedEarlyOnOversizedBody(r: FuzzResult): boolean {
  return r.status === 0 && (r.request.body?.length ?? 0) > OVERSIZED && /EPIPE|ECONNRESET|other side closed/.test(r.error ?? '');
}

/** Snapshot before a run: every table's count plus the target rows of pre-existing signatures. */
export async function fuzzBaseline(query: Query): Promise<Record<string, number>> {
  const counts = await tableCounts(query);
  const [{ n }] = await query(`SELECT count(*)::int AS n FROM petition_signature_targets`);
  return { ...counts, __old_targets: Number(n) };
}

/** One line per finding group (endpoint + mutation + status), with a reproducible example. */
export function describeFindings(results: FuzzResult[], limit = 20): string[] {
  const groups = new Map<string, FuzzResult[]>();
  for (const r of results) {
    const k = `${r.status || r.error} ${r.request.endpoint} [${r.request.mutation}]`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()].slice(0, limit).map(([k, rs]) => {
    const ex = rs[0].request;
    const body = ex.body ? JSON.stringify(ex.body.subarray(0, 300).toString('latin1')) : '';
    return `${rs.length} × ${k}: ${ex.method} ${ex.path.slice(0, 200)} ${JSON.stringify(ex.headers).slice(0, 300)} ${body}`;
  });
}
